package org.sparselora4j.sparse.losa;

import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.Evaluator;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.TrainConfig;
import org.sparselora4j.lora.run.Trainer;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LoSA's outer loop (METHODS 2.3), one-shot Wanda, and the dense-LoRA-after-Wanda baseline.
 * <pre>
 *   dense outputs of every block on the calibration set, once
 *   for t = 1..T:
 *       merge the masked LoRA; rates from CKA of the merged model's layer inputs for S_t
 *       prune the merged model block by block (Wanda), measuring each block's error against the dense outputs
 *       unmerge with the new masks; ranks from the errors with mean r̄ + t − 1
 *       fine-tune the masked LoRA for this round's steps (the ordinary training loop, {@link MaskedLoraMethod})
 *   merge for good
 * </pre>
 */
public final class Losa {
    /** What one round did. {@code validationPerplexity} is NaN without validation data. */
    public record Round(int round, double target, String pattern, double[] rates, double[] measured, double overall, double[] errors,
                        int[] allocatedRanks, int[] ranks, double trainLoss, long tokens, double validationPerplexity) {
    }

    /** The merged sparse model and the history. */
    public record Run(LlamaWeights merged, List<Round> rounds, long tokens, double seconds) {
    }

    /** Dense LoRA trained on a pruned model: its graph (base + unmerged LoRA) and its merge (no longer sparse). */
    public record Baseline(LlamaModel model, LlamaWeights merged, long tokens, double seconds) {
    }

    private Losa() {
    }

    /** One-shot Wanda: every block pruned to {@code sparsity} (or the N:M pattern) in one sequential pass. */
    public static LlamaWeights wanda(LlamaWeights dense, Calibration calibration, double sparsity, PrunePattern pattern) {
        return SequentialPruner.prune(dense, calibration, LayerRates.uniform(dense.config().layers(), sparsity), pattern).weights();
    }

    /**
     * Runs LoSA from {@code dense}. Round t's training checkpoints go to {@code workDir}/round-t; {@code validation}
     * (may be empty) is evaluated after each round.
     */
    public static Run run(LlamaWeights dense, Calibration calibration, List<Example> train, List<TokenBatch> validation, LosaConfig config,
                          Path workDir, PrintStream progress) throws IOException {
        long t0 = System.nanoTime();
        int layers = dense.config().layers();
        List<List<Tensor>> reference = SequentialPruner.layerOutputs(dense, calibration);
        MaskedLoraAdapter adapter = MaskedLoraAdapter.create(dense, config.lora(), config.seed());
        List<Round> rounds = new ArrayList<>();
        double delta = 0;
        long tokens = 0;
        for (int t = 1; t <= config.rounds(); t++) {
            double target = config.target(t);
            PrunePattern pattern = config.pattern(t);
            LlamaWeights merged = adapter.merged();
            double[] rates;
            if (config.rates() == LosaConfig.RatePolicy.CKA && pattern instanceof PrunePattern.Unstructured) {
                delta = LayerRates.delta(target, delta);
                rates = LayerRates.fromCka(ckaMatrix(merged, calibration, config.ckaSequences()), target, delta, 1.0);
            } else {
                rates = LayerRates.uniform(layers, target);
            }
            SequentialPruner.Result pruned = SequentialPruner.prune(merged, calibration, rates, pattern, reference);
            adapter = adapter.rebase(adapter.unmerge(pruned.weights()));
            int[] allocated = config.ranks() == LosaConfig.RankPolicy.ERROR
                    ? RankAllocation.fromErrors(pruned.reconstructionErrors(), config.meanRank(t), config.rankCap())
                    : RankAllocation.uniform(layers, config.meanRank(t));
            int[] ranks = Arrays.stream(allocated).map(r -> Math.min(r, config.lora().rank())).toArray();
            adapter = adapter.withRanks(ranks).withDropoutSeed(config.seed() * 1_000_003L + t);
            Sparsity measured = Sparsity.of(adapter.base());
            progress.printf(Locale.ROOT, "losa round %d/%d: target %.4f (%s), measured %.4f, errors %s, ranks %s%n", t, config.rounds(), target,
                    pattern instanceof PrunePattern.NOfM nm ? nm.toString() : "unstructured", measured.overall(), format(pruned.reconstructionErrors()),
                    Arrays.toString(ranks));

            MaskedLoraMethod method = new MaskedLoraMethod(adapter);
            TrainConfig training = config.training(t);
            Trainer.Result r = train(method, train, training, workDir.resolve("round-" + t), progress);
            tokens += r.tokens();
            double ppl = validation.isEmpty() ? Double.NaN : perplexity(adapter.merged(), validation);
            if (!validation.isEmpty()) progress.printf(Locale.ROOT, "losa round %d/%d: validation perplexity %.4f after %d steps%n", t, config.rounds(), ppl, r.steps());
            rounds.add(new Round(t, target, pattern instanceof PrunePattern.NOfM nm ? nm.toString() : "unstructured", rates, measured.perLayer(),
                    measured.overall(), pruned.reconstructionErrors(), allocated, ranks, r.finalTrainLoss(), r.tokens(), ppl));
        }
        return new Run(adapter.merged(), rounds, tokens, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The baseline LoSA is compared with: ordinary (dense) LoRA of {@code lora} trained on an already pruned model
     * for {@code rounds} × the steps of {@code training} in one run, so that it sees as many tokens as LoSA.
     */
    public static Baseline loraAfterPruning(LlamaWeights pruned, List<Example> train, LoraConfig lora, TrainConfig training, int rounds, long seed,
                                            Path workDir, PrintStream progress) throws IOException {
        long t0 = System.nanoTime();
        TrainConfig c = training;
        int steps = c.steps() * rounds;
        TrainConfig all = new TrainConfig(steps, c.batchSize(), c.gradAccum(), c.learningRate(), (int) Math.round((double) c.warmupSteps() * rounds),
                c.schedule(), c.minLrRatio(), c.weightDecay(), c.maxGradNorm(), c.seed(), 0, 0, c.logEvery());
        LoraMethod method = new LoraMethod(LoraAdapter.create(pruned, lora, seed), "pruned base model");
        Trainer.Result r = train(method, train, all, workDir, progress);
        method.eval();
        return new Baseline(method.model(), method.adapter().merged(), r.tokens(), (System.nanoTime() - t0) / 1e9);
    }

    private static Trainer.Result train(TrainingMethod method, List<Example> train, TrainConfig config, Path dir, PrintStream progress) throws IOException {
        Batches data = Batches.of(train, List.of(), config.batchSize(), config.seed());
        return new Trainer(method, data, config, dir, progress).run(false);
    }

    /** The CKA matrix of the layers' inputs on the first {@code sequences} calibration sequences. */
    public static double[][] ckaMatrix(LlamaWeights weights, Calibration calibration, int sequences) {
        Calibration c = calibration.first(sequences);
        List<Tensor> features = new ArrayList<>();
        for (List<Tensor> chunks : SequentialPruner.layerInputs(weights, c)) features.add(Cka.features(chunks, c.seqLen()));
        return Cka.matrix(features);
    }

    /** Validation perplexity of plain weights (no adapter). */
    public static double perplexity(LlamaWeights weights, List<TokenBatch> validation) {
        return perplexity(LlamaModel.of(weights, LlamaModel.frozen()), validation);
    }

    /** Validation perplexity of a graph (dropout must be off). */
    public static double perplexity(LlamaModel model, List<TokenBatch> validation) {
        return Evaluator.evaluate(model, validation, 0).perplexity();
    }

    private static String format(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", v[i]));
        return sb.append(']').toString();
    }
}
