package org.sparselora4j.cli;

import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.data.Batches;
import org.sparselora4j.lora.data.DatasetReader;
import org.sparselora4j.lora.data.Example;
import org.sparselora4j.lora.run.FaultInjection;
import org.sparselora4j.lora.run.FullFineTuning;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.MemoryEstimate;
import org.sparselora4j.lora.run.MemoryUse;
import org.sparselora4j.lora.run.Replicas;
import org.sparselora4j.lora.run.TrainConfig;
import org.sparselora4j.lora.run.Trainer;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.format.WeightStorage;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.opencl.BackendKind;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Parallel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code finetune}: LoRA, SparseLoRA (or full) fine-tuning of a model on a dataset, into a run folder with metrics, the
 * adapter, a checkpoint, a loss curve and a summary. With no {@code --model} or {@code --data} it runs the
 * embedded default: the project's own base model on its generated task.
 */
final class FinetuneCommand implements Command {
    enum Method { LORA, SPARSELORA, FULL }

    @Override
    public String name() {
        return "finetune";
    }

    @Override
    public String summary() {
        return "fine-tune with LoRA (or fully); no arguments: the embedded default model and task";
    }

    @Override
    public List<Args.Flag> flags() {
        List<Args.Flag> f = new ArrayList<>(List.of(
                Args.Flag.value("model", "model file or folder (default: the embedded base model)"),
                Args.Flag.value("tokenizer", "tokenizer file, where the model carries none"),
                ChatTemplateFlag.FLAG,
                Args.Flag.value("data", "training data: JSONL {messages}, {instruction, input, output}, {prompt, completion} or {text}, or plain text (default: the embedded task)"),
                Args.Flag.value("validation-data", "validation data in the same formats (default: a split of --data)"),
                Args.Flag.value("validation-split", "fraction of --data held out when no --validation-data (default 0.1)"),
                Args.Flag.value("out", "run folder (default runs/<method>-<time>)"),
                Args.Flag.value("method", "lora | sparselora | full (default lora)"),
                Args.Flag.value("rank", "LoRA rank (default 8)"),
                Args.Flag.value("alpha", "LoRA alpha (default 16)"),
                Args.Flag.value("dropout", "LoRA dropout (default 0)"),
                Args.Flag.value("targets", "LoRA targets, comma-separated of q,k,v,o,gate,up,down (default all)"),
                Args.Flag.value("skip-nonfinite", "skip up to N steps whose loss or gradient is NaN or infinite instead of stopping (default 0)"),
                Args.Flag.value("max-seq", "longest sequence in tokens (default: the model's context, at most 1024)"),
                Args.Flag.toggle("resume", "continue the run in --out from its checkpoint"),
                Args.Flag.toggle("checkpointing", "recompute each decoder block's activations in backward (activation memory stops growing with depth)"),
                Args.Flag.toggle("lean", "compact frozen weights (bf16, q8_0, ...) get no float32 copies for the GEMM: the least memory, slower steps (by default they get copies where the machine has room)"),
                Args.Flag.value("weights", "stored | f32 | bf16 | f16 | q8_0 | q4_0 | q4_k | q6_k: the frozen base as the file stores it, mapped in place"
                        + " (default for lora and sparselora), or converted on load (full fine-tuning: f32 always)"),
                BackendFlag.FLAG,
                Args.Flag.value("workers", "data-parallel workers on Apache Spark, each taking --batch examples of every step (a local cluster unless --spark-master)"),
                Args.Flag.value("spark-master", "with --workers: the Spark master URL of a cluster (default: a local cluster of --workers executors)")));
        f.addAll(TrainingFlags.flags(8, 3e-3, 3));
        f.addAll(SparseFlags.flags(0.05));
        return f;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        Parallel parallel = new Parallel(TrainingFlags.threads(args));
        return parallel.call(() -> {
            try {
                return train(args, out, err);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** A replica of a data-parallel run ({@link FinetuneReplica}): no lock (the driver holds it), its summary returned. */
    String replica(Args args, Replicas replicas, boolean resume, PrintStream err) throws IOException {
        java.io.ByteArrayOutputStream summary = new java.io.ByteArrayOutputStream();
        Parallel parallel = new Parallel(TrainingFlags.threads(args));
        parallel.call(() -> {
            try (PrintStream out = new PrintStream(summary, true, java.nio.charset.StandardCharsets.UTF_8)) {
                Path runDir = args.path("out");
                return train(args, out, err, args.choice("method", Method.class, Method.LORA), modelPath(args), dataPath(args),
                        validationPath(args), runDir, resume, args.integer("skip-nonfinite", 0, 0, Integer.MAX_VALUE), FaultInjection.NONE, replicas);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return summary.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    private static Path modelPath(Args args) {
        return args.has("model") ? args.path("model") : TrainingFlags.defaultAssets().resolve("model");
    }

    private static Path dataPath(Args args) {
        return args.has("data") ? args.path("data") : TrainingFlags.defaultAssets().resolve("task-train.jsonl");
    }

    private static Optional<Path> validationPath(Args args) {
        boolean embedded = !args.has("model") && !args.has("data");
        return args.has("validation-data") ? Optional.of(args.path("validation-data"))
                : embedded ? Optional.of(TrainingFlags.defaultAssets().resolve("task-validation.jsonl")) : Optional.empty();
    }

    private int train(Args args, PrintStream out, PrintStream err) throws IOException {
        if (args.has("workers")) args.integer("workers", 1, 1, 4096);  // checked before anything loads
        if (args.has("spark-master") && !args.has("workers")) throw new UsageException("finetune: --spark-master needs --workers N");
        Path assets = TrainingFlags.defaultAssets();
        boolean embedded = !args.has("model") && !args.has("data");
        Path modelPath = args.has("model") ? args.path("model") : assets.resolve("model");
        Path dataPath = args.has("data") ? args.path("data") : assets.resolve("task-train.jsonl");
        Optional<Path> validationPath = args.has("validation-data") ? Optional.of(args.path("validation-data"))
                : embedded ? Optional.of(assets.resolve("task-validation.jsonl")) : Optional.empty();
        if (embedded && !Files.isDirectory(modelPath)) {
            throw new IOException("the embedded default model is missing at " + modelPath + " (see README: Reproducing the base model)");
        }
        Method method = args.choice("method", Method.class, Method.LORA);
        Path runDir = args.has("out") ? args.path("out")
                : TrainingFlags.home().resolve("runs").resolve((embedded ? "default-" : "") + method.name().toLowerCase() + "-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        boolean resume = args.flag("resume");
        if (!resume && Files.exists(runDir.resolve("metrics.jsonl"))) {
            throw new UsageException("finetune: --out " + runDir + " already holds a run; pass --resume to continue it or choose another --out");
        }
        int skipNonfinite = args.integer("skip-nonfinite", 0, 0, Integer.MAX_VALUE);
        FaultInjection faults;
        try {
            faults = FaultInjection.parse(System.getProperty(FaultInjection.PROPERTY));
        } catch (IllegalArgumentException e) {
            throw new UsageException("finetune: " + e.getMessage());
        }
        // Held until the run ends; a second run on the folder is refused meanwhile.
        try (org.sparselora4j.lora.run.RunLock lock = org.sparselora4j.lora.run.RunLock.acquire(runDir)) {
            if (args.has("workers")) return trainOnSpark(args, out, err, runDir, resume);
            return train(args, out, err, method, modelPath, dataPath, validationPath, runDir, resume, skipNonfinite, faults, Replicas.SINGLE);
        }
    }

    /**
     * {@code --workers N}: the driver of a data-parallel run. Each of N Spark tasks runs this command as a replica
     * (the same flags, the run folder made absolute); replica 0's summary is printed.
     */
    private int trainOnSpark(Args args, PrintStream out, PrintStream err, Path runDir, boolean resume) {
        int workers = args.integer("workers", 1, 1, 4096);
        String master = args.has("spark-master") ? args.required("spark-master") : null;
        if (args.has("spark-master") && master.isBlank()) throw new UsageException("finetune: --spark-master needs a URL, e.g. spark://host:7077");
        List<String> replicaArgs = new ArrayList<>(args.argv(flags(), Set.of("workers", "spark-master", "out", "resume")));
        replicaArgs.add("--out=" + runDir.toAbsolutePath());
        if (master == null && !args.has("threads")) {
            // A local cluster shares this machine's cores among its executors.
            replicaArgs.add("--threads=" + Math.max(1, Runtime.getRuntime().availableProcessors() / workers));
        }
        if (resume) replicaArgs.add("--resume");
        String json = SparkLink.train(replicaArgs, workers, master, runDir.toAbsolutePath(), err);
        out.println(json);
        return 0;
    }

    private int train(Args args, PrintStream out, PrintStream err, Method method, Path modelPath, Path dataPath, Optional<Path> validationPath,
                      Path runDir, boolean resume, int skipNonfinite, FaultInjection faults, Replicas replicas) throws IOException {

        Optional<Path> tokenizerPath = args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty();
        // The matrices are mapped first (nothing read yet), so the run's memory can be estimated before any is.
        ElementType convert = weightConversion(args, method, err);
        ModelInput model = ModelInput.load(modelPath, tokenizerPath, WeightStorage.AS_STORED);
        Optional<org.sparselora4j.models.chat.ChatTemplate> chatTemplate = ChatTemplateFlag.resolve(args, modelPath, tokenizerPath);
        Tokenizer tokenizer = model.tokenizer(args, "finetune");
        LlamaWeights weights = model.weights();
        int maxSeq = args.integer("max-seq", Math.min(weights.config().maxSeqLen(), 1024), 2, weights.config().maxSeqLen());
        int batchRows = TrainingFlags.batchSize(args, 8);
        long stored = weights.storageBytes();
        long converted = convert == null ? stored : storedAs(weights, convert);
        boolean compact = convert == null ? weights.anyCompact() : convert != ElementType.F32;
        long trainableGuess = method == Method.FULL ? weights.config().parameterCount() : weights.config().parameterCount() / 100;
        MemoryEstimate estimate = MemoryEstimate.of(weights.config(), compact ? converted : 0, compact ? 0 : converted, trainableGuess,
                batchRows, maxSeq, maxSeq, args.flag("checkpointing"), 0);
        String checkpointing = args.flag("checkpointing") ? "" : "--checkpointing, ";
        String tooBig = estimate.doesNotFit(MemoryUse.machineBytes(), method == Method.FULL ? "try --method lora, " + checkpointing + "a shorter --max-seq or a smaller --batch"
                : "try " + checkpointing + "--weights bf16 or q8_0, a shorter --max-seq or a smaller --batch");
        if (tooBig != null) throw new IOException("--model " + modelPath + ": fine-tuning it " + tooBig);
        if (convert != null) weights = weights.toType(convert);
        err.printf("finetune: weights %s, %.2f GB%s%n", describeTypes(weights), weights.storageBytes() / 1e9,
                weights.anyCompact() ? " (frozen, used in place)" : "");
        DatasetReader reader = new DatasetReader(tokenizer, maxSeq, w -> err.println("warning: " + w), chatTemplate);
        List<Example> train = reader.read(dataPath);
        // A data-parallel run's batches are global (every replica's --batch together); each replica trains on its shard.
        int batch = batchRows * replicas.count();
        long seed = args.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE);
        Batches data;
        if (validationPath.isPresent()) {
            data = Batches.of(train, reader.read(validationPath.get()), batch, seed);
        } else {
            data = Batches.split(train, args.number("validation-split", 0.1, 0, 0.9), batch, seed);
        }
        TrainConfig config = TrainingFlags.config(args, data.batchesPerEpoch(), 8, 3e-3, 3);

        MemoryEstimate planned = method == Method.FULL ? null : estimate(args);
        try (Backend backend = method == Method.FULL ? BackendFlag.forFullFineTuning(args, "finetune", err)
                : BackendFlag.openForTraining(args, "finetune", err, planned.packedBytes(), planned.widensCompact())) {
            TrainingMethod trainingMethod = switch (method) {
                case LORA -> new LoraMethod(LoraAdapter.create(weights, loraConfig(args), seed, backend), modelPath.toString());
                case SPARSELORA -> SparseFlags.method(args, "finetune", LoraAdapter.create(weights, loraConfig(args), seed, backend), config.steps(), 0.05, seed,
                        modelPath.toString(), err, replicas);
                case FULL -> new FullFineTuning(weights);
            };
            if (method != Method.FULL) BackendFlag.prepare(backend, weights, Parallel.current(), err, "finetune");
            if (args.flag("checkpointing")) {
                if (args.number("dropout", 0, 0, 0.999) > 0) {
                    throw new UsageException("finetune: --checkpointing recomputes each block in backward, which would draw new dropout masks; use --dropout 0");
                }
                trainingMethod.model().checkpointing(true);
            }
            err.printf("finetune: %s on %s (%s), %d training and %d validation examples, %d steps of %d x %d, run folder %s%n",
                    trainingMethod.name(), modelPath, weights.config().parameterCount() + " parameters", data.train().size(), data.validation().size(),
                    config.steps(), config.batchSize(), config.gradAccum(), runDir);
            Trainer.Result r = new Trainer(trainingMethod, data, config, runDir, err, skipNonfinite, faults, replicas).run(resume);

            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "finetune");
            summary.put("method", trainingMethod.name());
            summary.put("model", modelPath.toString());
            summary.put("data", dataPath.toString());
            summary.put("run_dir", runDir.toString());
            summary.put("backend", backend.name());
            summary.put("steps", r.steps());
            summary.put("seconds", r.seconds());
            summary.put("tokens_per_s", r.tokens() / Math.max(r.seconds(), 1e-9));
            summary.put("final_train_loss", r.finalTrainLoss());
            summary.putAll(trainingMethod.describe());
            if (r.before() != null) summary.put("validation_before", r.before().toMap());
            if (r.after() != null) summary.put("validation_after", r.after().toMap());
            summary.put("flops", r.flops());
            summary.put("weights", describeTypes(weights));
            summary.put("checkpointing", trainingMethod.model().checkpointing());
            summary.put("weight_bytes", weights.storageBytes());
            summary.put("packed_bytes", backend.keptBytes());
            summary.put("peak_rss_bytes", MemoryUse.peakRssBytes());
            summary.putAll(replicas.describe());
            String json = Json.write(summary);
            if (replicas.writes()) AtomicFile.writeString(runDir.resolve("summary.json"), json + "\n");
            if (r.before() != null && r.after() != null) {
                err.printf("finetune: validation loss %.4f -> %.4f, accuracy %.3f -> %.3f (%d examples), %.0f s; results in %s%n",
                        r.before().loss(), r.after().loss(), r.before().accuracy(), r.after().accuracy(), r.after().examples(), r.seconds(), runDir);
            }
            out.println(json);
        }
        return 0;
    }

    /**
     * {@code --weights}: null to keep the file's own types (lora and sparselora by default), else the type to
     * convert the matrices to on load. Full fine-tuning changes the base weights, so it takes float32 and says so.
     */
    private static ElementType weightConversion(Args args, Method method, PrintStream err) {
        String text = args.string("weights", method == Method.FULL ? "f32" : "stored");
        if (text.equalsIgnoreCase("stored")) {
            if (method == Method.FULL) throw new UsageException("finetune: --method full trains the base weights in float32; --weights stored is for lora and sparselora");
            return null;
        }
        ElementType t = ElementType.parse(text);
        if (t == null) throw new UsageException("finetune: --weights must be stored, f32, bf16, f16, q8_0, q4_0, q4_k or q6_k, got '" + text + "'");
        if (method == Method.FULL) {
            if (t != ElementType.F32) throw new UsageException("finetune: --method full trains the base weights, in float32; --weights " + text + " is for lora and sparselora");
            err.println("finetune: full fine-tuning changes the base weights, so every matrix is converted to float32 on load");
        }
        return t;
    }

    /**
     * The run's peak memory from its flags and the model's headers alone (the launcher sizes the heap from it):
     * the same figures the run checks before loading, for the default model when no {@code --model} is given.
     */
    static MemoryEstimate estimate(Args args) throws IOException {
        Path modelPath = args.has("model") ? args.path("model") : TrainingFlags.defaultAssets().resolve("model");
        Method method = args.choice("method", Method.class, Method.LORA);
        ElementType convert = weightConversion(args, method, new PrintStream(java.io.OutputStream.nullOutputStream()));
        ModelFiles.Stored stored = ModelFiles.stored(modelPath);
        LlamaConfig c = stored.config();
        int maxSeq = args.integer("max-seq", Math.min(c.maxSeqLen(), 1024), 2, c.maxSeqLen());
        long matrices = c.parameterCount() - (2L * c.layers() + 1) * c.dim();
        long heap, offHeap;
        if (convert == null) {
            heap = stored.floatBytes();
            offHeap = stored.compactBytes();
        } else {
            long bytes = (long) (matrices * (double) convert.blockBytes() / convert.blockSize());
            heap = convert == ElementType.F32 ? bytes : 0;
            offHeap = convert == ElementType.F32 ? 0 : bytes;
        }
        long trainable = method == Method.FULL ? c.parameterCount() : c.parameterCount() / 100;
        // Float32 weights get packed copies in both layouts where the machine has room, else in one; compact ones
        // float32 copies in both layouts where it has room for those too, else none (BenchStepCommand.estimate).
        long packed = method == Method.FULL ? 0 : heap;
        MemoryEstimate plain = MemoryEstimate.of(c, offHeap, heap, trainable, TrainingFlags.batchSize(args, 8), maxSeq, maxSeq,
                args.flag("checkpointing"), 0);
        if (method != Method.FULL && offHeap > 0 && !args.flag("lean")) {
            MemoryEstimate widened = plain.withPackedRoom(2 * 4 * matrices, MemoryUse.machineBytes());
            if (widened.packedBytes() > 0) return widened;
        }
        MemoryEstimate both = plain.withPackedRoom(2 * packed, MemoryUse.machineBytes());
        return both.packedBytes() > 0 ? both : plain.withPackedRoom(packed, MemoryUse.machineBytes());
    }

    /** Bytes of the weights with every matrix in {@code type}. */
    private static long storedAs(LlamaWeights w, ElementType type) {
        long matrices = w.config().parameterCount() - (2L * w.config().layers() + 1) * w.config().dim();
        return (long) (matrices * (double) type.blockBytes() / type.blockSize()) + 4L * (2L * w.config().layers() + 1) * w.config().dim();
    }

    /** The matrices' types, e.g. "bf16" or "q4_k+q6_k+f32". */
    static String describeTypes(LlamaWeights w) {
        java.util.Set<ElementType> types = java.util.EnumSet.noneOf(ElementType.class);
        types.add(w.tokenEmbedding().type());
        types.add(w.classifier().type());
        for (var l : w.layers()) for (var t : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) types.add(t.type());
        return String.join("+", types.stream().map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).toList());
    }

    static LoraConfig loraConfig(Args args) {
        Set<Target> targets = EnumSet.noneOf(Target.class);
        if (args.has("targets")) {
            for (String t : args.required("targets").split(",")) {
                try {
                    targets.add(Target.parse(t));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("finetune: --targets: " + e.getMessage());
                }
            }
        } else {
            targets = EnumSet.allOf(Target.class);
        }
        try {
            return new LoraConfig(args.integer("rank", 8, 1, 4096), (float) args.number("alpha", 16, 1e-6, 1e6),
                    (float) args.number("dropout", 0, 0, 0.999), targets);
        } catch (IllegalArgumentException e) {
            throw new UsageException("finetune: " + e.getMessage());
        }
    }
}
