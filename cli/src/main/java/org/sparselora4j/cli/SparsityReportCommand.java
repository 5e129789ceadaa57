package org.sparselora4j.cli;

import org.sparselora4j.lora.data.Batching;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.sparse.EstimatorDiagnostics;
import org.sparselora4j.sparse.FfnScoring;
import org.sparselora4j.sparse.GqaMapping;
import org.sparselora4j.sparse.SvdEstimator;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparsity-report --model F [--data F | --text S] [--sparsity 0.5] [--rank 8] [--gqa-mapping M]
 * [--ffn-scoring mean|tokens]}: SparseLoRA estimator fidelity on one batch (METHODS.md 3.1 setup 1): per layer and
 * module, recall@k of the SVD predictor (FFN scored on sequence means or on every token) against the oracle and
 * the relative output error of SVD, oracle and random selection. The table goes to stderr, one JSON object to
 * stdout. With {@code --estimator F} the factors are read from F (which must have been built from this model, at
 * this rank) or, where F does not exist, built and saved there.
 */
final class SparsityReportCommand implements Command {
    @Override
    public String name() {
        return "sparsity-report";
    }

    @Override
    public String summary() {
        return "SparseLoRA estimator fidelity: predicted vs oracle channels per layer (table on stderr, JSON on stdout)";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder (llama2.c .bin, GGUF, Hugging Face folder)"),
                Args.Flag.value("tokenizer", "tokenizer file; default: the one stored with the model"),
                Args.Flag.value("data", "data file (JSONL prompt/completion or text records, or plain text); the first --batch examples"),
                Args.Flag.value("text", "text to cut into rows of --seq tokens (instead of --data)"),
                Args.Flag.value("sparsity", "fraction of channels removed, in [0, 1) (default 0.5)"),
                Args.Flag.value("rank", "SVD estimator rank (default 8)"),
                Args.Flag.value("gqa-mapping", "head-consistent|reference: how q/o channels follow kv channels (default head-consistent)"),
                Args.Flag.value("ffn-scoring", "mean|tokens: the SVD predictor scores FFN channels on each sample's sequence mean"
                        + " (the reference default) or on every token (default mean)"),
                Args.Flag.value("batch", "rows in the batch (default 8)"),
                Args.Flag.value("seq", "tokens per row at most (default 256)"),
                Args.Flag.value("seed", "seed of the random selection (default 1)"),
                Args.Flag.value("estimator", "estimator file: read when it exists (it must match the model), else built and saved there"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        double sparsity = args.number("sparsity", 0.5, 0, 1);
        if (sparsity >= 1) throw new UsageException(name() + ": --sparsity must be in [0, 1), got " + args.string("sparsity", ""));
        int rank = args.integer("rank", SvdEstimator.DEFAULT_RANK, 1, 1 << 16);
        GqaMapping mapping = args.choice("gqa-mapping", GqaMapping.class, GqaMapping.HEAD_CONSISTENT);
        FfnScoring scoring = args.choice("ffn-scoring", FfnScoring.class, FfnScoring.MEAN);
        int batchSize = args.integer("batch", 8, 1, 4096);
        int seq = args.integer("seq", 256, 2, 1 << 20);
        long seed = args.integer("seed", 1, 0, Integer.MAX_VALUE);
        if (args.has("data") == args.has("text")) throw new UsageException(name() + ": give exactly one of --data and --text");

        ModelInput input = ModelInput.load(args);
        LlamaWeights weights = input.weights();
        LlamaConfig config = weights.config();
        if (seq > config.maxSeqLen()) {
            throw new UsageException(name() + ": --seq " + seq + " is longer than the context of " + config.maxSeqLen() + " of " + input.model());
        }
        Tokenizer tokenizer = input.tokenizer(args, name());
        TokenBatch batch = args.has("text") ? textBatch(tokenizer, args.required("text"), batchSize, seq)
                : dataBatch(tokenizer, args.path("data"), batchSize, seq, err);
        batch.checkVocabulary(config.vocabSize());

        SvdEstimator estimator = estimator(args, weights, rank, err);
        EstimatorDiagnostics.Report report = EstimatorDiagnostics.run(weights, estimator, batch, sparsity, mapping, scoring, seed, 3);
        err.print(report.table());
        out.println(Json.write(report.toJson()));
        return 0;
    }

    private SvdEstimator estimator(Args args, LlamaWeights weights, int rank, PrintStream err) throws Exception {
        List<Integer> layers = new ArrayList<>();
        for (int l = 0; l < weights.config().layers(); l++) layers.add(l);
        try {
            if (args.has("estimator")) {
                Path file = args.path("estimator");
                if (Files.exists(file)) return SvdEstimator.load(file, weights, rank, layers);
                SvdEstimator built = SvdEstimator.build(weights, rank, layers);
                built.save(file);
                err.println("saved the rank-" + rank + " SVD estimator to " + file);
                return built;
            }
            return SvdEstimator.build(weights, rank, layers);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("estimator rank")) throw new UsageException(name() + ": --rank: " + e.getMessage());
            throw e;
        }
    }

    /** The text from BOS, cut into at most {@code batchSize} rows of {@code seq} tokens; the last row padded. */
    static TokenBatch textBatch(Tokenizer tokenizer, String text, int batchSize, int seq) {
        int[] ids = tokenizer.encode(text, true, false);
        if (ids.length < 2) throw new UsageException("sparsity-report: --text gives " + ids.length + " token; need at least 2");
        int width = Math.min(seq, ids.length);
        int rows = Math.min(batchSize, (ids.length + width - 1) / width);
        int[] tokens = new int[rows * width];
        int[] targets = new int[tokens.length];
        Arrays.fill(targets, -1);
        int[] lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            lengths[r] = Math.min(width, ids.length - r * width);
            System.arraycopy(ids, r * width, tokens, r * width, lengths[r]);
        }
        return new TokenBatch(rows, width, tokens, targets, lengths);
    }

    private static TokenBatch dataBatch(Tokenizer tokenizer, Path data, int batchSize, int seq, PrintStream err) throws Exception {
        List<Example> examples = new DatasetReader(tokenizer, seq, w -> err.println("warning: " + w)).read(data);
        return Batching.of(examples.subList(0, Math.min(batchSize, examples.size())));
    }
}
