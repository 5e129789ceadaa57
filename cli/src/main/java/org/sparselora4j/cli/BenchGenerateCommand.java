package org.sparselora4j.cli;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.InferenceSession;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Sampler;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code bench generate}: prompt (prefill) and decode speed of KV-cached greedy generation, for a model file or
 * a randomly initialised model of a given shape (default: stories110M's, dim 768, 12 layers, 12 heads, FFN
 * 2048, vocabulary 32000). Speed does not depend on the weights' values, so random ones time the same work.
 */
final class BenchGenerateCommand implements Command {
    @Override
    public String name() {
        return "bench generate";
    }

    @Override
    public String summary() {
        return "prefill and decode tokens/s of KV-cached generation (a model file, or a random model of a given shape)";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file to time (default: a random model of the shape below)"),
                Args.Flag.value("dim", "hidden size of the random model (default 768)"),
                Args.Flag.value("layers", "decoder blocks (default 12)"),
                Args.Flag.value("heads", "query heads (default 12)"),
                Args.Flag.value("kv-heads", "key/value heads (default: as many as query heads)"),
                Args.Flag.value("hidden", "FFN size (default 2048)"),
                Args.Flag.value("vocab", "vocabulary (default 32000)"),
                Args.Flag.value("context", "context length (default 1024)"),
                Args.Flag.value("prompt-tokens", "tokens read in one batch before decoding (default 32)"),
                Args.Flag.value("new-tokens", "tokens decoded one at a time (default 128)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"),
                Args.Flag.value("warmup", "untimed runs before the timed one (default 1)"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int promptTokens = args.integer("prompt-tokens", 32, 1, 1 << 20);
        int newTokens = args.integer("new-tokens", 128, 1, 1 << 20);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        int warmup = args.integer("warmup", 1, 0, 100);
        LlamaWeights weights;
        if (args.has("model")) {
            weights = ModelInput.weights(args);
        } else {
            int heads = args.integer("heads", 12, 1, 1 << 12);
            LlamaConfig config = new LlamaConfig(args.integer("dim", 768, 2, 1 << 16), args.integer("hidden", 2048, 1, 1 << 18),
                    args.integer("layers", 12, 1, 1 << 10), heads, args.integer("kv-heads", heads, 1, heads),
                    args.integer("vocab", 32000, 2, 1 << 20), args.integer("context", 1024, 1, 1 << 20),
                    10000, Rope.Style.INTERLEAVED, 1e-5f, true);
            err.printf("bench generate: initialising a random model of %.1fM parameters%n", config.parameterCount() / 1e6);
            weights = LlamaInit.random(config, 42);
        }
        LlamaConfig config = weights.config();
        if (promptTokens + newTokens > config.maxSeqLen()) {
            throw new UsageException("bench generate: --prompt-tokens + --new-tokens must fit the context of " + config.maxSeqLen());
        }
        LlamaInference model = new LlamaInference(weights);
        int[] prompt = new SplittableRandom(7).ints(promptTokens, 0, config.vocabSize()).toArray();
        Parallel parallel = new Parallel(threads);

        long[] nanos = null;
        for (int run = 0; run <= warmup; run++) nanos = parallel.call(() -> timeOnce(model, prompt, newTokens));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("bench", "generate");
        result.put("model", args.has("model") ? args.required("model") : "random");
        result.put("parameters", config.parameterCount());
        result.put("threads", threads);
        result.put("prompt_tokens", promptTokens);
        result.put("new_tokens", newTokens);
        result.put("prefill_tokens_per_s", round(promptTokens / (nanos[0] / 1e9)));
        result.put("decode_tokens_per_s", round(newTokens / (nanos[1] / 1e9)));
        result.put("decode_ms_per_token", round(nanos[1] / 1e6 / newTokens));
        out.println(Json.write(result));
        return 0;
    }

    /** Nanoseconds to read the prompt, and to decode {@code newTokens} greedy tokens after it. */
    private static long[] timeOnce(LlamaInference model, int[] prompt, int newTokens) {
        InferenceSession session = model.newSession();
        Sampler greedy = Sampler.greedy();
        long t0 = System.nanoTime();
        Tensor logits = session.prefill(prompt);
        long t1 = System.nanoTime();
        float[] last = logits.row(logits.rows() - 1).toArray();
        for (int i = 0; i < newTokens; i++) last = session.next(greedy.sample(last));
        long t2 = System.nanoTime();
        return new long[] {t1 - t0, t2 - t1};
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
