package org.sparselora4j.lora.run;

import org.sparselora4j.models.format.AtomicFile;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.GradClip;
import org.sparselora4j.autograd.Schedule;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop, one for every method: micro-batches with gradient accumulation, clipping, AdamW on the
 * method's parameters, the learning-rate schedule, validation, atomic checkpoints, {@code metrics.jsonl}, a loss
 * curve, and progress on stderr. Data order and dropout depend only on (seed, step), so a run resumed from a
 * checkpoint reaches the same losses as an uninterrupted one.
 */
public final class Trainer {
    /** What a finished run reports. */
    public record Result(long steps, double finalTrainLoss, Evaluator.Result before, Evaluator.Result after, double seconds,
                         long tokens, double flops, List<Double> losses) {
    }

    private final TrainingMethod method;
    private final Batches data;
    private final TrainConfig config;
    private final Path runDir;
    private final PrintStream progress;

    private final int skipNonfinite;
    private final FaultInjection faults;
    private final Replicas replicas;
    /** The steps' large activations and gradients, reused from step to step ({@link StepArena}). */
    private final StepArena arena = new StepArena();

    public Trainer(TrainingMethod method, Batches data, TrainConfig config, Path runDir, PrintStream progress) {
        this(method, data, config, runDir, progress, 0, FaultInjection.NONE);
    }

    /**
     * @param skipNonfinite steps with a non-finite loss or gradient that may be skipped (no update) before the run
     *                      stops; counted over the whole run, a resumed one continuing the count its checkpoint holds
     * @param faults        faults a test injects ({@link FaultInjection#NONE} otherwise)
     */
    public Trainer(TrainingMethod method, Batches data, TrainConfig config, Path runDir, PrintStream progress, int skipNonfinite,
                   FaultInjection faults) {
        this(method, data, config, runDir, progress, skipNonfinite, faults, Replicas.SINGLE);
    }

    /**
     * A replica of a data-parallel run: each step it trains on its shard of the global batch ({@code data} holds the
     * global batches), sums gradients and counters with the others through {@code replicas}, and only the replica
     * that {@link Replicas#writes} writes the run folder.
     */
    public Trainer(TrainingMethod method, Batches data, TrainConfig config, Path runDir, PrintStream progress, int skipNonfinite,
                   FaultInjection faults, Replicas replicas) {
        if (skipNonfinite < 0) throw new IllegalArgumentException("skipNonfinite must be non-negative, got " + skipNonfinite);
        this.method = method;
        this.data = data;
        this.config = config;
        this.runDir = runDir;
        this.progress = progress;
        this.skipNonfinite = skipNonfinite;
        this.faults = faults;
        this.replicas = replicas;
    }

    /**
     * Trains from step 0, or, when {@code resume} is set, from the checkpoint in the run folder; a run that stopped
     * before writing its first checkpoint resumes from step 0.
     */
    public Result run(boolean resume) throws IOException {
        boolean writes = replicas.writes();
        if (writes) Files.createDirectories(runDir);
        List<Var> params = method.parameters();
        AdamW adam = new AdamW(params, AdamW.Config.defaults().withWeightDecay(config.weightDecay()));
        long start = 0;
        long skipped = 0;
        if (resume && Checkpoint.exists(runDir)) {
            Checkpoint.Position at = Checkpoint.resume(runDir, method.name(), config.resumeKey(), params, adam);
            start = at.nextStep();
            skipped = at.skippedNonfinite();
            progress.printf("resuming %s from step %d of %d%s%n", runDir.resolve(Checkpoint.FILE), start, config.steps(),
                    skipped > 0 ? " (" + skipped + " non-finite steps skipped before it)" : "");
        } else if (resume) {
            progress.printf("no checkpoint in %s yet (the run stopped before its first one): starting from step 0%n", runDir);
        }
        MetricsLog metrics = writes ? new MetricsLog(runDir, start) : null;
        Schedule schedule = config.lrSchedule();
        List<TokenBatch> validation = data.validationBatches();

        Evaluator.Result before = validation.isEmpty() || !writes ? null : evaluate(validation, start, metrics);
        long t0 = System.nanoTime();
        long tokens = 0;
        double flops = 0;
        List<Double> losses = new ArrayList<>();
        double lastLoss = Double.NaN;
        for (long step = start; step < config.steps(); step++) {
            method.beginStep(step);
            Tape.zeroGrad(params);
            List<TokenBatch> micro = new ArrayList<>(config.gradAccum());
            int labels = 0;
            for (int m = 0; m < config.gradAccum(); m++) {
                long index = step * config.gradAccum() + m;
                int epoch = (int) (index / data.batchesPerEpoch());
                int at = (int) (index % data.batchesPerEpoch());
                TokenBatch b = data.trainShard(epoch, at, replicas.rank(), replicas.count());
                if (b != null) micro.add(b);
                // Every replica divides by the labelled tokens of the global batch: the summed gradient is the global one.
                labels += replicas.count() == 1 ? b.labelCount() : data.trainBatch(epoch, at).labelCount();
            }
            double[] lossSum = {0};
            int stepTokens = 0;
            for (TokenBatch b : micro) {
                long at = step;
                int all = labels;
                // The micro-batch's large activations and gradients come from (and go back to) the arena.
                arena.run(() -> {
                    Var l = method.model().loss(b, at, all);
                    lossSum[0] += l.value().get(0);
                    Tape.backward(l);
                });
                stepTokens += b.tokenCount();
                flops += method.flops(b, step);
            }
            double loss = lossSum[0];
            if (replicas.count() > 1) {
                double[] counters = {loss, stepTokens};
                replicas.sumAcrossReplicas(params.stream().map(Var::gradBuffer).toList(), counters);
                loss = counters[0];
                stepTokens = (int) counters[1];
            }
            if (faults.nanGradientAtStep() == step + 1) {
                Tensor g = params.get(0).grad();
                g.data()[g.offset()] = Float.NaN;
            }
            double norm = config.maxGradNorm() > 0 ? GradClip.clipGlobalNorm(params, config.maxGradNorm()) : GradClip.globalNorm(params);
            double lr = schedule.lr(step);
            boolean finite = Double.isFinite(loss) && Double.isFinite(norm);
            if (!finite) {
                String what = "step " + (step + 1) + " of " + config.steps() + ": " + (!Double.isFinite(loss) ? "loss is " + loss : "gradient norm is " + norm);
                if (skipped >= skipNonfinite) {
                    String kept = Checkpoint.exists(runDir) ? "the last good checkpoint in " + runDir + " is kept"
                            : "no checkpoint was written yet";
                    throw new TrainingException(what + "; stopped, " + kept + (skipNonfinite > 0
                            ? " (" + skipped + " such steps already skipped, the most --skip-nonfinite allows)"
                            : " (try a lower --lr, or --skip-nonfinite N to skip up to N such steps)"));
                }
                skipped++;
                progress.printf("%s; skipped without an update (%d of --skip-nonfinite %d)%n", what, skipped, skipNonfinite);
            } else {
                adam.step(lr);
                tokens += stepTokens;
                lastLoss = loss;
                losses.add(loss);
            }

            double elapsed = (System.nanoTime() - t0) / 1e9;
            long done = step + 1 - start;
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("kind", finite ? "train" : "skipped");
            rec.put("step", step + 1);
            rec.put("loss", loss);
            rec.put("lr", lr);
            rec.put("grad_norm", norm);
            rec.put("tokens", stepTokens);
            rec.put("tokens_per_s", tokens / Math.max(elapsed, 1e-9));
            rec.put("elapsed_s", elapsed);
            if (writes) metrics.append(rec);
            boolean last = step + 1 == config.steps();
            if ((step + 1) % config.logEvery() == 0 || last || step == start) {
                double eta = elapsed / done * (config.steps() - step - 1);
                progress.printf("step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.0f tok/s  elapsed %s  left %s%s%n", step + 1, config.steps(), loss, lr, norm,
                        tokens / Math.max(elapsed, 1e-9), clock(elapsed), clock(eta), replicas.progress(done));
            }
            if (writes && !validation.isEmpty() && config.evalEvery() > 0 && (step + 1) % config.evalEvery() == 0 && !last) {
                evaluate(validation, step + 1, metrics);
            }
            if (writes && (last || config.checkpointEvery() > 0 && (step + 1) % config.checkpointEvery() == 0)) {
                long next = step + 1;
                Checkpoint.write(runDir, method.name(), config.resumeKey(), new Checkpoint.Position(next, skipped), params, adam, bytes -> {
                    if (faults.stallCheckpointAtStep() == next) stall(next, bytes);
                });
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluator.Result after = validation.isEmpty() || !writes ? null : evaluate(validation, config.steps(), metrics);
        if (writes) {
            method.save(runDir);
            writeCurve(metrics);
        }
        return new Result(config.steps(), lastLoss, before, after, seconds, tokens, flops, losses);
    }

    private Evaluator.Result evaluate(List<TokenBatch> validation, long step, MetricsLog metrics) throws IOException {
        method.eval();
        Evaluator.Result r = Evaluator.evaluate(method.model(), validation, step);
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("kind", "eval");
        rec.put("step", step);
        rec.putAll(r.toMap());
        metrics.append(rec);
        progress.printf("eval at step %d: loss %.4f  perplexity %.2f  accuracy %.3f (%d examples)%n", step, r.loss(), r.perplexity(), r.accuracy(), r.examples());
        return r;
    }

    private void writeCurve(MetricsLog metrics) throws IOException {
        List<LossCurve.Series> series = List.of(
                new LossCurve.Series("train loss", "#1f77b4", false, metrics.series("train", "loss")),
                new LossCurve.Series("validation loss", "#d62728", true, metrics.series("eval", "loss")));
        AtomicFile.writeString(runDir.resolve("loss.svg"), LossCurve.svg(method.name() + " fine-tuning: loss per step", series));
    }

    /** The injected fault: stops this thread in the middle of a checkpoint write until the process is killed. */
    private void stall(long step, long bytes) {
        progress.printf("fault: stalled writing the checkpoint of step %d after %d bytes%n", step, bytes);
        progress.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
