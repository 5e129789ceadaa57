package org.sparselora4j.cli;

import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.TrainConfig;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.sparse.losa.Calibration;
import org.sparselora4j.sparse.losa.Losa;
import org.sparselora4j.sparse.losa.LosaConfig;
import org.sparselora4j.sparse.losa.PrunePattern;
import org.sparselora4j.sparse.losa.Sparsity;
import org.sparselora4j.tensor.Parallel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code prune}: LoSA (rounds of Wanda pruning to a growing sparsity, each followed by masked-LoRA fine-tuning,
 * merged at the end) or one-shot Wanda. Writes the merged sparse model as a Hugging Face folder (never over an
 * existing one) and prints JSON with the measured sparsity per layer and overall and the validation perplexity
 * of the dense model, of one-shot Wanda, and of the result; {@code --baseline} adds dense LoRA trained on the
 * Wanda model with as many tokens as LoSA.
 */
final class PruneCommand implements Command {
    enum Method { LOSA, WANDA }

    enum Ablation { UNIFORM_RATES, UNIFORM_RANKS, ONE_SHOT }

    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String summary() {
        return "prune to a target sparsity with LoSA (masked LoRA over rounds) or one-shot Wanda; writes the sparse model";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("method", "losa | wanda (default losa)"),
                Args.Flag.value("sparsity", "target fraction of zeros in every block's projections, in [0, 1) (implied by --nm)"),
                Args.Flag.value("nm", "N:M pattern instead of unstructured, e.g. 2:4 or 4:8 (every M consecutive inputs of a row keep N)"),
                Args.Flag.value("model", "model file or folder (default: the embedded base model)"),
                Args.Flag.value("tokenizer", "tokenizer file, where the model carries none"),
                Args.Flag.value("data", "text for calibration, fine-tuning and validation: plain text or JSONL (default for the embedded model: data/moby-dick.txt)"),
                Args.Flag.value("rounds", "LoSA rounds T (default 5)"),
                Args.Flag.value("steps-per-round", "fine-tuning steps per round (default 25)"),
                Args.Flag.value("calibration", "calibration sequences (default 128)"),
                Args.Flag.value("seq-len", "tokens per calibration and training sequence (default: the context, at most 256)"),
                Args.Flag.value("cka-sequences", "calibration sequences used for layer similarity (default 64)"),
                Args.Flag.value("validation-split", "fraction of the data held out for perplexity (default 0.1)"),
                Args.Flag.value("batch", "sequences per training step (default 8)"),
                Args.Flag.value("lr", "peak learning rate of each round (default 2e-3; linear decay, 30% warm-up)"),
                Args.Flag.value("rank", "masked LoRA rank r_max (default 8)"),
                Args.Flag.value("alpha", "LoRA alpha (default 16)"),
                Args.Flag.value("dropout", "LoRA dropout (default 0.1)"),
                Args.Flag.value("ablation", "comma-separated: uniform-rates, uniform-ranks, one-shot (default: none)"),
                Args.Flag.toggle("baseline", "also fine-tune dense LoRA on the one-shot Wanda model with as many tokens, for comparison"),
                Args.Flag.value("seed", "seed for data order, initialisation and dropout (default 42)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"),
                Args.Flag.value("out", "the folder to create for the sparse model (default runs/prune-<method>-<time>; never overwritten)"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Parallel parallel = new Parallel(TrainingFlags.threads(args));
        return parallel.call(() -> {
            try {
                return prune(args, out, err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private int prune(Args args, PrintStream out, PrintStream err) throws IOException {
        long t0 = System.nanoTime();
        Method method = args.choice("method", Method.class, Method.LOSA);
        Optional<PrunePattern.NOfM> nm = nm(args);
        double sparsity = sparsity(args, nm);
        Set<Ablation> ablations = ablations(args);
        if (method == Method.WANDA && (!ablations.isEmpty() || args.flag("baseline"))) {
            throw new UsageException("prune: --ablation and --baseline apply to --method losa");
        }
        Path outDir = args.has("out") ? args.path("out") : TrainingFlags.home().resolve("runs")
                .resolve("prune-" + method.name().toLowerCase(Locale.ROOT) + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(outDir)) throw new UsageException("prune: --out " + outDir + " already exists; choose a new folder (nothing is overwritten)");

        boolean embedded = !args.has("model");
        Path modelPath = embedded ? TrainingFlags.defaultAssets().resolve("model") : args.path("model");
        if (embedded && !Files.isDirectory(modelPath)) {
            throw new IOException("the embedded default model is missing at " + modelPath
                    + " (this checkout does not have it yet); give --model F (and --tokenizer F)");
        }
        Path dataPath = dataPath(args, embedded);
        if (org.sparselora4j.models.format.ModelFiles.stored(modelPath).compactBytes() > 0) {
            err.println(name() + ": pruning changes the base weights, so the model's compact matrices (BF16, F16, quantized) are decoded to float32 on load");
        }
        ModelInput model = ModelInput.load(modelPath, args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty());
        Tokenizer tokenizer = model.tokenizer(args, name());
        LlamaWeights dense = model.weights();
        LlamaConfig config = dense.config();
        if (nm.isPresent()) checkWidths(nm.get(), config);
        PrunePattern pattern = nm.<PrunePattern>map(p -> p).orElse(new PrunePattern.Unstructured());

        int seqLen = args.integer("seq-len", Math.min(config.maxSeqLen(), 256), 2, config.maxSeqLen());
        int calibrationSize = args.integer("calibration", 128, 2, 1 << 20);
        int batch = args.integer("batch", 8, 1, 1 << 16);
        long seed = args.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
        List<Example> examples = new DatasetReader(tokenizer, seqLen, w -> err.println("warning: " + w)).read(dataPath);
        Batches split = Batches.split(examples, args.number("validation-split", 0.1, 0, 0.9), batch, seed);
        Calibration calibration = calibration(split.train(), seqLen, calibrationSize, dataPath);
        List<TokenBatch> validation = split.validationBatches();
        err.printf(Locale.ROOT, "prune: %s to %s on %s; %d calibration sequences of %d tokens, %d training and %d validation examples from %s%n",
                method.name().toLowerCase(Locale.ROOT), nm.map(PrunePattern.NOfM::toString).orElse(String.format(Locale.ROOT, "%.3f", sparsity)),
                modelPath, calibration.sequences(), seqLen, split.train().size(), split.validation().size(), dataPath);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", name());
        result.put("method", method.name().toLowerCase(Locale.ROOT));
        result.put("model", modelPath.toString());
        result.put("data", dataPath.toString());
        result.put("out", outDir.toString());
        result.put("target_sparsity", sparsity);
        result.put("pattern", nm.map(PrunePattern.NOfM::toString).orElse("unstructured"));
        Map<String, Object> ppl = new LinkedHashMap<>();
        boolean hasValidation = !validation.isEmpty();
        if (hasValidation) ppl.put("dense", Losa.perplexity(dense, validation));
        LlamaWeights wanda = Losa.wanda(dense, calibration, sparsity, pattern);
        if (hasValidation) ppl.put("wanda", Losa.perplexity(wanda, validation));

        LlamaWeights sparse = wanda;
        Path scratch = Files.createTempDirectory("sparselora4j-prune");
        try {
            if (method == Method.LOSA) {
                LosaConfig losa = losaConfig(args, sparsity, pattern, ablations, batch, seed);
                Losa.Run run = Losa.run(dense, calibration, split.train(), validation, losa, scratch.resolve("losa"), err);
                sparse = run.merged();
                if (hasValidation) ppl.put("losa", Losa.perplexity(run.merged(), validation));
                result.put("ablations", ablations.stream().map(a -> a.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
                result.put("train_tokens", run.tokens());
                result.put("rounds", rounds(run.rounds()));
                if (args.flag("baseline")) {
                    Losa.Baseline b = Losa.loraAfterPruning(wanda, split.train(), losa.lora(), losa.training(0), losa.rounds(), seed,
                            scratch.resolve("baseline"), err);
                    Map<String, Object> base = new LinkedHashMap<>();
                    if (hasValidation) {
                        base.put("perplexity", Losa.perplexity(b.model(), validation));
                        ppl.put("lora_after_wanda", base.get("perplexity"));
                    }
                    base.put("train_tokens", b.tokens());
                    base.put("merged_sparsity", Sparsity.of(b.merged()).overall());
                    result.put("lora_after_wanda", base);
                }
            }
        } finally {
            deleteTree(scratch);
        }
        Sparsity measured = Sparsity.of(sparse);
        result.put("sparsity", Map.of("overall", measured.overall(), "per_layer", Arrays.stream(measured.perLayer()).boxed().toList(),
                "zeros", measured.zeros(), "total", measured.total()));
        if (hasValidation) {
            result.put("perplexity", ppl);
            result.put("validation", Map.of("examples", split.validation().size(), "tokens", validation.stream().mapToInt(TokenBatch::labelCount).sum()));
        }
        result.put("calibration", Map.of("sequences", calibration.sequences(), "seq_len", seqLen));
        result.put("seconds", (System.nanoTime() - t0) / 1e9);
        String json = Json.write(result);
        write(outDir, sparse, tokenizerFile(args, modelPath), json);
        err.printf(Locale.ROOT, "prune: sparsity %.4f; wrote %s%n", measured.overall(), outDir);
        out.println(json);
        return 0;
    }

    private static Optional<PrunePattern.NOfM> nm(Args args) {
        if (!args.has("nm")) return Optional.empty();
        try {
            return Optional.of(PrunePattern.NOfM.parse(args.required("nm")));
        } catch (IllegalArgumentException e) {
            throw new UsageException("prune: --nm: " + e.getMessage());
        }
    }

    private static double sparsity(Args args, Optional<PrunePattern.NOfM> nm) {
        if (!args.has("sparsity")) {
            if (nm.isPresent()) return nm.get().sparsity();
            throw new UsageException("prune: --sparsity is required (or --nm N:M)");
        }
        double s = args.number("sparsity", 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        if (!(s >= 0 && s < 1)) throw new UsageException("prune: --sparsity must be in [0, 1), got " + args.required("sparsity"));
        if (nm.isPresent() && Math.abs(nm.get().sparsity() - s) > 1e-9) {
            throw new UsageException("prune: --nm " + nm.get() + " gives sparsity " + nm.get().sparsity() + ", but --sparsity is " + s);
        }
        return s;
    }

    private static Set<Ablation> ablations(Args args) {
        Set<Ablation> set = EnumSet.noneOf(Ablation.class);
        if (!args.has("ablation")) return set;
        for (String a : args.required("ablation").split(",")) {
            String v = a.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            if (v.equals("NONE")) continue;
            try {
                set.add(Ablation.valueOf(v));
            } catch (IllegalArgumentException e) {
                throw new UsageException("prune: --ablation must be a comma-separated list of uniform-rates, uniform-ranks, one-shot; got '" + a.trim() + "'");
            }
        }
        return set;
    }

    private static void checkWidths(PrunePattern.NOfM nm, LlamaConfig c) {
        for (int width : new int[] {c.dim(), c.hiddenDim()}) {
            if (width % nm.group() != 0) {
                throw new UsageException("prune: --nm " + nm + ": M = " + nm.group() + " does not divide the input width " + width
                        + " of the model's projections (dim " + c.dim() + ", hidden " + c.hiddenDim() + ")");
            }
        }
    }

    private static Path dataPath(Args args, boolean embedded) {
        if (args.has("data")) return args.path("data");
        Path moby = TrainingFlags.home().resolve("data").resolve("moby-dick.txt");
        if (embedded && Files.isRegularFile(moby)) return moby;
        throw new UsageException("prune: --data is required" + (embedded ? " (" + moby + " is absent; scripts/fetch-corpus.sh makes it)" : " with --model"));
    }

    /** The training texts' tokens end to end, cut into windows of seqLen; the first {@code size} are the calibration set. */
    private static Calibration calibration(List<Example> train, int seqLen, int size, Path data) {
        List<int[]> windows = new ArrayList<>();
        int[] window = new int[seqLen];
        int fill = 0;
        for (Example e : train) {
            for (int token : e.tokens()) {
                window[fill++] = token;
                if (fill == seqLen) {
                    windows.add(window.clone());
                    fill = 0;
                    if (windows.size() == size) return Calibration.of(windows, 8);
                }
            }
        }
        throw new UsageException("prune: --data " + data + " gives only " + windows.size() + " calibration sequences of " + seqLen
                + " tokens outside the validation split; --calibration " + size + " needs more text (or lower --calibration or --seq-len)");
    }

    private static LosaConfig losaConfig(Args args, double sparsity, PrunePattern pattern, Set<Ablation> ablations, int batch, long seed) {
        int rounds = args.integer("rounds", 5, 1, 1000);
        int steps = args.integer("steps-per-round", 25, 1, Integer.MAX_VALUE / 2000);
        LoraConfig lora;
        try {
            lora = new LoraConfig(args.integer("rank", 8, 1, 4096), (float) args.number("alpha", 16, 1e-6, 1e6),
                    (float) args.number("dropout", 0.1, 0, 0.999), EnumSet.allOf(Target.class));
        } catch (IllegalArgumentException e) {
            throw new UsageException("prune: " + e.getMessage());
        }
        // METHODS 2.7: linear decay with 30% warm-up restarting every round, weight decay 0.001, clipping at 0.3.
        TrainConfig training = new TrainConfig(steps, batch, 1, args.number("lr", 2e-3, 1e-12, 10), (int) Math.round(0.3 * steps),
                TrainConfig.ScheduleKind.LINEAR, 0, 0.001, 0.3, seed, 0, 0, Math.max(1, steps / 2));
        return new LosaConfig(sparsity, pattern, rounds,
                ablations.contains(Ablation.UNIFORM_RATES) ? LosaConfig.RatePolicy.UNIFORM : LosaConfig.RatePolicy.CKA,
                ablations.contains(Ablation.UNIFORM_RANKS) ? LosaConfig.RankPolicy.UNIFORM : LosaConfig.RankPolicy.ERROR,
                ablations.contains(Ablation.ONE_SHOT) ? LosaConfig.Schedule.ONE_SHOT : LosaConfig.Schedule.CUBIC,
                lora, 16, 6, args.integer("cka-sequences", 64, 2, 1 << 20), training, seed);
    }

    private static List<Map<String, Object>> rounds(List<Losa.Round> rounds) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Losa.Round r : rounds) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", r.round());
            m.put("target", r.target());
            m.put("pattern", r.pattern());
            m.put("rates", Arrays.stream(r.rates()).boxed().toList());
            m.put("sparsity", r.overall());
            m.put("sparsity_per_layer", Arrays.stream(r.measured()).boxed().toList());
            m.put("reconstruction_errors", Arrays.stream(r.errors()).boxed().toList());
            m.put("allocated_ranks", Arrays.stream(r.allocatedRanks()).boxed().toList());
            m.put("ranks", Arrays.stream(r.ranks()).boxed().toList());
            m.put("train_loss", r.trainLoss());
            m.put("tokens", r.tokens());
            if (!Double.isNaN(r.validationPerplexity())) m.put("validation_perplexity", r.validationPerplexity());
            out.add(m);
        }
        return out;
    }

    private static Optional<Path> tokenizerFile(Args args, Path model) {
        if (args.has("tokenizer")) return Optional.of(args.path("tokenizer"));
        Path inFolder = model.resolve(ExportCommand.TOKENIZER);
        return Files.isDirectory(model) && Files.isRegularFile(inFolder) ? Optional.of(inFolder) : Optional.empty();
    }

    /** Writes the folder beside its final place and moves it there in one step, so no half-written model is ever seen. */
    private static void write(Path dir, LlamaWeights weights, Optional<Path> tokenizer, String summary) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + dir.getFileName() + ".partial-");
        try {
            HuggingFaceModel.write(staging, weights);
            if (tokenizer.isPresent()) Files.copy(tokenizer.get(), staging.resolve(ExportCommand.TOKENIZER));
            AtomicFile.writeString(staging.resolve("prune.json"), summary + "\n");
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(staging)) deleteTree(staging);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
