package org.sparselora4j.cli;

import org.sparselora4j.autograd.OpTimer;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.FullFineTuning;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.MemoryEstimate;
import org.sparselora4j.lora.run.MemoryUse;
import org.sparselora4j.lora.run.StepBenchmark;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.Architecture;
import org.sparselora4j.models.llama.Family;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.RopeScaling;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.sparse.SparseLoraMethod;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.kernel.KernelWarmup;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code bench step}: milliseconds per training step (forward, backward, AdamW) of a randomly initialised model
 * of a given shape, for a fine-tuning method, on one batch of random tokens. Step time does not depend on the
 * weights' values, so random ones time the same work as a checkpoint would.
 */
final class BenchStepCommand implements Command {
    /** The fine-tuning methods this benchmark can build. */
    enum Method { FULL, LORA, SPARSELORA }

    enum Switch { ON, OFF }

    /**
     * Model shapes: the llama2.c TinyStories checkpoints, and the real shapes of Llama 3.2 1B, Qwen2.5 0.5B (q/k/v
     * biases) and Llama 3 8B (untied), with their RoPE base and scaling and HF's HALF_SPLIT layout.
     */
    enum Preset {
        STORIES260K("stories260k", 64, 172, 5, 8, 4, 512, 512, true, 10000, null),
        STORIES15M("stories15m", 288, 768, 6, 6, 6, 32000, 256, true, 10000, null),
        STORIES110M("stories110m", 768, 2048, 12, 12, 12, 32000, 1024, true, 10000, null),
        LLAMA3_2_1B("llama3.2-1b", 2048, 8192, 16, 32, 8, 128256, 131072, true, 500000,
                new Architecture(Family.LLAMA, 64, false, false, new RopeScaling.Llama3(32, 1, 4, 8192))),
        QWEN2_5_0_5B("qwen2.5-0.5b", 896, 4864, 24, 14, 2, 151936, 32768, true, 1000000,
                new Architecture(Family.QWEN2, 64, true, false, new RopeScaling.None())),
        LLAMA3_8B("llama3-8b", 4096, 14336, 32, 32, 8, 128256, 8192, false, 500000,
                new Architecture(Family.LLAMA, 128, false, false, new RopeScaling.None()));

        final String label;
        final int dim, ffn, layers, heads, kvHeads, vocab, context;
        final boolean tied;
        final double theta;
        final Architecture architecture; // null: LLaMA 2's block, llama2.c's INTERLEAVED layout

        Preset(String label, int dim, int ffn, int layers, int heads, int kvHeads, int vocab, int context, boolean tied, double theta,
               Architecture architecture) {
            this.label = label;
            this.dim = dim;
            this.ffn = ffn;
            this.layers = layers;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.vocab = vocab;
            this.context = context;
            this.tied = tied;
            this.theta = theta;
            this.architecture = architecture;
        }

        static Preset parse(String command, String value) {
            for (Preset p : values()) if (p.label.equalsIgnoreCase(value)) return p;
            StringBuilder options = new StringBuilder();
            for (Preset p : values()) options.append(options.isEmpty() ? "" : "|").append(p.label);
            throw new UsageException(command + ": --preset must be one of " + options + ", got '" + value + "'");
        }

        /** The preset's shape with the flags' overrides; a family's own block only while its shape is kept. */
        LlamaConfig config(int dim, int ffn, int layers, int heads, int kvHeads, int vocab, int context) {
            boolean own = architecture != null && dim == this.dim && heads == this.heads;
            return own ? new LlamaConfig(dim, ffn, layers, heads, kvHeads, vocab, context, theta, Rope.Style.HALF_SPLIT, 1e-5f, tied, architecture)
                    : new LlamaConfig(dim, ffn, layers, heads, kvHeads, vocab, context, theta, Rope.Style.INTERLEAVED, 1e-5f, tied);
        }
    }

    @Override
    public String name() {
        return "bench step";
    }

    @Override
    public String summary() {
        return "ms per training step, tokens/s and GFLOP/s of a method on a random model of a given shape";
    }

    @Override
    public List<Args.Flag> flags() {
        List<Args.Flag> f = new ArrayList<>(List.of(
                Args.Flag.value("preset", "model shape: stories260k | stories15m | stories110m | llama3.2-1b | qwen2.5-0.5b | llama3-8b"
                        + " (default stories15m); the flags below override it"),
                Args.Flag.value("dim", "hidden size"),
                Args.Flag.value("layers", "decoder blocks"),
                Args.Flag.value("heads", "query heads"),
                Args.Flag.value("kv-heads", "key/value heads (default: as many as query heads)"),
                Args.Flag.value("ffn", "FFN size"),
                Args.Flag.value("vocab", "vocabulary"),
                Args.Flag.value("context", "context length"),
                Args.Flag.value("batch", "sequences per step (default 4)"),
                Args.Flag.value("seq", "positions per sequence (default 256, at most the context)"),
                Args.Flag.value("output-tokens", "positions at the end of each sequence that carry a label (default: all)"),
                Args.Flag.value("method", "full | lora | sparselora, or several comma-separated to time them side by side in one run (default lora)"),
                Args.Flag.value("rank", "LoRA rank (default 8)"),
                Args.Flag.value("alpha", "LoRA alpha (default 16)"),
                Args.Flag.value("targets", "LoRA projections, comma-separated (default q,k,v,o,gate,up,down)"),
                Args.Flag.value("steps", "timed steps (default 5)"),
                Args.Flag.value("warmup", "untimed steps first (default 2)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"),
                Args.Flag.value("seed", "seed of weights, adapter and tokens (default 42)"),
                Args.Flag.value("kernel-warmup", "on | off: compile the hot kernels on small operands before the first step (default off)"),
                Args.Flag.toggle("breakdown", "after the run, on stderr: every frozen-weight product by kind and m x k x n, and every op by where it was made (forward and backward ms, threads busy), per method"),
                Args.Flag.toggle("checkpointing", "recompute each decoder block's activations in backward instead of keeping them"),
                Args.Flag.toggle("lean", "compact frozen weights (bf16, q8_0, ...) get no float32 copies for the GEMM: the least memory, slower steps (by default they get copies where the machine has room)"),
                Args.Flag.value("weights", "f32 | bf16 | f16 | q8_0 | q4_0 | q4_k | q6_k: how the frozen matrices are stored, made directly in that type (default f32)"),
                BackendFlag.FLAG));
        f.addAll(SparseFlags.flags(0));
        return f;
    }

    /** The model shape the flags describe. */
    static LlamaConfig config(Args args) {
        Preset preset = Preset.parse("bench step", args.string("preset", Preset.STORIES15M.label));
        int heads = args.integer("heads", preset.heads, 1, 1 << 12);
        int kvHeads = args.integer("kv-heads", args.has("heads") ? heads : preset.kvHeads, 1, heads);
        return preset.config(args.integer("dim", preset.dim, 2, 1 << 16), args.integer("ffn", preset.ffn, 1, 1 << 18),
                args.integer("layers", preset.layers, 1, 1 << 10), heads, kvHeads, args.integer("vocab", preset.vocab, 2, 1 << 20),
                args.integer("context", preset.context, 1, 1 << 20));
    }

    /** The run's peak memory, from its flags alone (the launcher sizes the heap from it). */
    static MemoryEstimate estimate(Args args) {
        LlamaConfig config = config(args);
        int batchSize = args.integer("batch", 4, 1, 1 << 16);
        int seq = args.integer("seq", Math.min(256, config.maxSeqLen()), 1, config.maxSeqLen());
        int outputTokens = args.integer("output-tokens", seq, 1, seq);
        List<Method> kinds = methods(args);
        ElementType type = weightType(args, "bench step");
        long weightBytes = storedBytes(config, type);
        boolean f32 = type == ElementType.F32;
        // Every method trains its own parameters: full fine-tuning all of them, LoRA and SparseLoRA an adapter each.
        long trainable = 0;
        for (Method k : kinds) trainable += k == Method.FULL ? config.parameterCount() : loraParameters(config, loraConfig(args));
        // Float32 frozen weights get packed copies: room for both layouts (x·wᵀ and dy·w) where the machine has it,
        // else for one. Packing per call costs a product of few rows most (the classifier and SparseLoRA's dense
        // token group, 128 rows at the 0.5B/1B shapes: 10% of a SparseLoRA step there with one layout's room).
        // Compact ones get float32 copies in both layouts where the machine has room for them (the products of few
        // rows then widen nothing per call: CpuBackend), else none: a compact packed copy is their own size again,
        // the memory they are kept compact to save, for a product that reads them at the cost of packing per call.
        boolean frozen = kinds.stream().anyMatch(k -> k != Method.FULL);
        long packed = !frozen ? 0 : f32 ? weightBytes : args.flag("lean") ? 0 : storedBytes(config, ElementType.F32);
        // Full fine-tuning beside a frozen-base method trains a copy of its own.
        long heapWeights = f32 ? weightBytes * (kinds.contains(Method.FULL) && kinds.size() > 1 ? 2 : 1) : 0;
        MemoryEstimate plain = MemoryEstimate.of(config, f32 ? 0 : weightBytes, heapWeights, trainable, batchSize, seq, outputTokens,
                args.flag("checkpointing"), 0);
        MemoryEstimate both = plain.withPackedRoom(2 * packed, MemoryUse.machineBytes());
        return both.packedBytes() > 0 || !f32 ? both : plain.withPackedRoom(packed, MemoryUse.machineBytes());
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        LlamaConfig config = config(args);
        int batchSize = args.integer("batch", 4, 1, 1 << 16);
        int seq = args.integer("seq", Math.min(256, config.maxSeqLen()), 1, config.maxSeqLen());
        int outputTokens = args.integer("output-tokens", seq, 1, seq);
        List<Method> kinds = methods(args);
        int steps = args.integer("steps", 5, 1, 100_000);
        int warmup = args.integer("warmup", 2, 0, 100_000);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        long seed = args.integer("seed", 42, 0, Integer.MAX_VALUE);
        ElementType type = weightType(args, name());
        if (type != ElementType.F32 && kinds.contains(Method.FULL)) {
            throw new UsageException("bench step: --method full trains every weight, in float32; --weights " + args.string("weights", "")
                    + " applies to the frozen base of lora and sparselora (run full alone with --weights f32)");
        }

        if (args.choice("kernel-warmup", Switch.class, Switch.OFF) == Switch.ON) {
            err.printf("bench step: kernels warmed in %.0f ms%n", KernelWarmup.run());
        }
        long weightBytes = storedBytes(config, type);
        MemoryEstimate estimate = estimate(args);
        String tooBig = estimate.doesNotFit(MemoryUse.machineBytes(), "try " + (args.flag("checkpointing") ? "" : "--checkpointing, ")
                + "--weights bf16 or q8_0, a smaller --batch or --seq");
        if (tooBig != null) throw new IllegalStateException("the " + String.format("%.1fB", config.parameterCount() / 1e9) + "-parameter model " + tooBig);
        err.printf("bench step: initialising a random model of %.1fM parameters (%s, %.2f GB)%n", config.parameterCount() / 1e6, type, weightBytes / 1e9);
        LlamaWeights weights = LlamaInit.random(config, seed, 0.02f, type);
        TokenBatch batch = StepBenchmark.randomBatch(config.vocabSize(), batchSize, seq, outputTokens, seed);
        boolean frozenBase = kinds.stream().anyMatch(k -> k != Method.FULL);
        // Full fine-tuning has no frozen weights to offload; it runs on the Vector API whatever the flag says.
        try (Backend opened = frozenBase ? BackendFlag.openForTraining(args, name(), err, estimate.packedBytes(), estimate.widensCompact()) : BackendFlag.forFullFineTuning(args, name(), err)) {
            TimedBackend timed = frozenBase && args.flag("breakdown") ? new TimedBackend(opened) : null;
            Backend backend = timed != null ? timed : opened;
            List<TrainingMethod> built = new ArrayList<>();
            for (Method kind : kinds) {
                built.add(switch (kind) {
                    // Full fine-tuning updates its weights in place; beside a method whose frozen base the backend
                    // keeps a copy of (a device's weight cache, or the CPU's packed weights: anything but the
                    // shared Backend.cpu()) it gets its own copy (the same seed), so that copy never goes stale.
                    case FULL -> new FullFineTuning(frozenBase && opened != Backend.cpu() ? LlamaInit.random(config, seed) : weights);
                    case LORA -> new LoraMethod(LoraAdapter.create(weights, loraConfig(args), seed, backend));
                    case SPARSELORA -> SparseFlags.method(args, "bench step", LoraAdapter.create(weights, loraConfig(args), seed, backend), warmup + steps, 0, seed,
                            null, err);
                });
            }
            if (frozenBase) BackendFlag.prepare(backend, weights, new Parallel(threads), err, "bench step");
            if (args.flag("checkpointing")) built.forEach(m -> m.model().checkpointing(true));
            // Several methods run interleaved, one step of each per round, so a shared machine's load hits them alike.
            // The predictor's clock restarts with the timed steps, so that its share leaves out the warm-up's JIT work.
            Runnable resetPredictors = () -> built.forEach(m -> {
                if (m instanceof SparseLoraMethod sparse) sparse.predictor().resetTime();
            });
            StepBenchmark.StepListener listener = timed == null ? (m, t) -> { } : (m, t) -> {
                timed.count(m.name(), t);
                if (t) OpTimer.begin(m.name(), "sparselora4j-");
                else OpTimer.end();
            };
            List<StepBenchmark.Result> results = StepBenchmark.runInterleaved(built, batch, warmup, steps, new Parallel(threads), err, resetPredictors,
                    listener);
            if (timed != null) {
                OpTimer.end();
                GemmBreakdown.print(timed.entries(), results, steps, err);
                GemmBreakdown.printOps(OpTimer.drain(), results, steps, err);
            }
            StepBenchmark.Result loraResult = kinds.contains(Method.LORA) ? results.get(kinds.indexOf(Method.LORA)) : null;
            for (int m = 0; m < built.size(); m++) {
                TrainingMethod method = built.get(m);
                StepBenchmark.Result r = results.get(m);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("bench", "step");
                result.put("method", method.name());
                result.put("shape", shape(config));
                result.put("parameters", config.parameterCount());
                result.put("trainable_parameters", method.describe().get("trainable_parameters"));
                result.put("batch", batchSize);
                result.put("seq", seq);
                result.put("output_tokens", outputTokens);
                result.put("threads", threads);
                result.put("backend", kinds.get(m) == Method.FULL ? "cpu" : backend.name());
                result.put("steps", steps);
                result.put("warmup", warmup);
                result.put("ms_per_step", round(r.medianMs()));
                result.put("ms_min", round(r.minMs()));
                result.put("ms_max", round(r.maxMs()));
                result.put("forward_ms", round(r.forwardMs()));
                result.put("backward_ms", round(r.backwardMs()));
                result.put("optimizer_ms", round(r.optimizerMs()));
                result.put("cpu_ms_per_step", round(r.cpuMs()));
                result.put("tokens_per_s", round(r.tokensPerSecond()));
                result.put("flops_per_step", r.flopsPerStep());
                result.put("gflops", round(r.gflops()));
                result.put("loss_first", round(r.firstLoss()));
                result.put("loss_last", round(r.lastLoss()));
                result.put("checkpointing", method.model().checkpointing());
                result.put("weights", type.name().toLowerCase(java.util.Locale.ROOT));
                result.put("weight_bytes", weights.storageBytes());
                result.put("packed_bytes", kinds.get(m) == Method.FULL ? 0 : backend.keptBytes());
                result.put("activation_bytes_estimate", estimate.activationBytes());
                result.put("heap_peak_bytes", MemoryUse.heapPeakBytes());
                result.put("peak_rss_bytes", MemoryUse.peakRssBytes());
                if (method instanceof SparseLoraMethod sparse) {
                    Map<String, Object> d = sparse.describe();
                    result.put("sparsity", d.get("sparsity"));
                    result.put("predictor", d.get("predictor"));
                    result.put("base_gradient", d.get("base_gradient"));
                    result.put("flop_ratio", round4(sparse.flopRatio(batch, warmup + steps - 1)));
                    result.put("predictor_flop_share", round4(sparse.count(batch, warmup + steps - 1).predictor() / r.flopsPerStep()));
                    // The predictor's time over the timed steps per step, against the median step.
                    double predictorMs = sparse.predictor().nanos() / 1e6 / steps;
                    result.put("predictor_ms_per_step", round(predictorMs));
                    result.put("predictor_time_share", round4(predictorMs / r.medianMs()));
                    if (loraResult != null) {
                        result.put("speedup_vs_lora", round4(loraResult.medianMs() / r.medianMs()));
                        result.put("cpu_speedup_vs_lora", round4(loraResult.cpuMs() / r.cpuMs()));
                    }
                }
                out.println(Json.write(result));
            }
        }
        return 0;
    }

    /** {@code --weights}: a stored element type (default f32). */
    static ElementType weightType(Args args, String command) {
        String text = args.string("weights", "f32");
        ElementType t = ElementType.parse(text);
        if (t == null) throw new UsageException(command + ": --weights must be f32, bf16, f16, q8_0, q4_0, q4_k or q6_k, got '" + text + "'");
        return t;
    }

    /** Bytes of a model's weights with every matrix stored as {@code type} and the norms as float32. */
    private static long storedBytes(LlamaConfig c, ElementType type) {
        long matrices = (long) c.vocabSize() * c.dim() * (c.tiedClassifier() ? 1 : 2)
                + (long) c.layers() * ((long) c.dim() * c.dim() * 2 + 2L * c.kvDim() * c.dim() + 3L * c.hiddenDim() * c.dim());
        long norms = 4L * c.dim() * (2L * c.layers() + 1);
        if (c.dim() % type.blockSize() != 0 || c.hiddenDim() % type.blockSize() != 0) {
            throw new UsageException("bench step: --weights " + type.name().toLowerCase(java.util.Locale.ROOT) + " stores rows of whole " + type.blockSize()
                    + "-element blocks; --dim " + c.dim() + " and --ffn " + c.hiddenDim() + " must be multiples of it");
        }
        return type.bytes(matrices) + norms;
    }

    private static List<Method> methods(Args args) {
        List<Method> kinds = new ArrayList<>();
        for (String name : args.string("method", "lora").split(",")) {
            if (name.isBlank()) continue;
            Method m = null;
            for (Method k : Method.values()) if (k.name().equalsIgnoreCase(name.trim())) m = k;
            if (m == null) throw new UsageException("bench step: --method must be full, lora or sparselora (comma-separated for several), got '" + name.trim() + "'");
            kinds.add(m);
        }
        if (kinds.isEmpty()) throw new UsageException("bench step: --method names no method");
        return kinds;
    }

    private static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    /** Parameters of a LoRA adapter: rank x (in + out) for each target of each block. */
    static long loraParameters(LlamaConfig c, LoraConfig lora) {
        long perBlock = 0;
        for (Target t : lora.targets()) {
            perBlock += switch (t) {
                case Q, O -> c.dim() + (long) c.heads() * c.headSize();
                case K, V -> (long) c.dim() + c.kvDim();
                case GATE, UP, DOWN -> (long) c.dim() + c.hiddenDim();
            };
        }
        return perBlock * lora.rank() * c.layers();
    }

    private static LoraConfig loraConfig(Args args) {
        int rank = args.integer("rank", 8, 1, 1 << 16);
        float alpha = (float) args.number("alpha", 16, 1e-6, 1e6);
        Set<Target> targets = EnumSet.noneOf(Target.class);
        String list = args.string("targets", "q,k,v,o,gate,up,down");
        for (String name : list.split(",")) {
            if (name.isBlank()) continue;
            try {
                targets.add(Target.parse(name));
            } catch (IllegalArgumentException e) {
                throw new UsageException("bench step: --targets: " + e.getMessage());
            }
        }
        if (targets.isEmpty()) throw new UsageException("bench step: --targets names no projection");
        return new LoraConfig(rank, alpha, 0f, targets);
    }

    private static Map<String, Object> shape(LlamaConfig c) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("dim", c.dim());
        s.put("layers", c.layers());
        s.put("heads", c.heads());
        s.put("kv_heads", c.kvHeads());
        s.put("ffn", c.hiddenDim());
        s.put("vocab", c.vocabSize());
        s.put("context", c.maxSeqLen());
        s.put("head_dim", c.headSize());
        s.put("family", c.architecture().family().modelType());
        s.put("qkv_bias", c.architecture().qkvBias());
        s.put("tied", c.tiedClassifier());
        return s;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
