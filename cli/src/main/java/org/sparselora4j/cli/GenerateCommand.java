package org.sparselora4j.cli;

import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.llama.Generator;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Sampler;
import org.sparselora4j.tensor.Backend;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code generate --model F --tokenizer F --prompt TEXT}: text generation with a KV cache, printed as it comes
 * (prompt included, then a newline, as llama2.c's run.c prints it); speed on stderr. With {@code --adapter DIR}
 * a PEFT LoRA adapter is merged into a copy of the weights first; {@code --sparse} runs pruned projections as CSR
 * matmuls ({@link SparseFlag}).
 * <p>
 * {@code --max-tokens N} is the number of new tokens after the prompt (fewer if the model ends the text with BOS
 * or EOS, or the context fills). With a prompt of P tokens including BOS, run.c's {@code -n S} (S positions,
 * prompt included) is {@code --max-tokens S+1-P}.
 */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate text with a KV cache; the text (prompt included) on stdout, tokens/s on stderr";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder (llama2.c .bin, GGUF, Hugging Face folder)"),
                Args.Flag.value("tokenizer", "tokenizer file (llama2.c tokenizer.bin); default: the one in the model file (GGUF)"),
                Args.Flag.value("prompt", "the text to continue (may be empty)"),
                Args.Flag.value("max-tokens", "new tokens to generate after the prompt, at most (default 256; the context limits it)"),
                Args.Flag.value("temperature", "0 for greedy (argmax); higher is more random (default 1.0)"),
                Args.Flag.value("top-p", "nucleus sampling threshold in [0, 1]; 0 or 1 samples the whole distribution (default 0.9)"),
                Args.Flag.value("seed", "random seed, a positive integer (default: from the clock, printed on stderr)"),
                AdapterInput.FLAG,
                BackendFlag.FLAG, SparseFlag.FLAG);
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        String prompt = args.required("prompt");
        int maxTokens = args.integer("max-tokens", 256, 0, Integer.MAX_VALUE);
        float temperature = (float) args.number("temperature", 1.0, 0, 1e6);
        float topP = (float) args.number("top-p", 0.9, 0, 1);
        long seed = seed(args);

        ModelInput input = ModelInput.load(args);
        LlamaWeights weights = input.weights();
        LlamaConfig config = weights.config();
        Tokenizer tokenizer = input.tokenizer(args, name());
        int promptTokens = tokenizer.encode(prompt, true, false).length;
        if (promptTokens > config.maxSeqLen()) {
            throw new IllegalArgumentException("--prompt: " + promptTokens + " tokens are longer than the context of "
                    + config.maxSeqLen() + " of " + args.path("model"));
        }
        int room = config.maxSeqLen() + 1 - promptTokens;
        if (maxTokens > room) err.printf("generate: --max-tokens %d exceeds the context; generating at most %d%n", maxTokens, room);
        if (temperature > 0 && !args.has("seed")) err.printf("generate: seed %d%n", seed);

        Generator.Generation g;
        try (Backend backend = BackendFlag.open(args, name(), err)) {
            Generator generator = new Generator(SparseFlag.inference(args, AdapterInput.apply(args, weights), backend, name(), err), tokenizer);
            g = generator.generate(prompt, maxTokens, new Sampler(temperature, topP, seed), piece -> {
                out.print(piece);
                out.flush();
            });
        }
        out.println();
        err.println(String.format(Locale.ROOT, "generate: prompt %d tokens at %.1f tokens/s, %d new tokens, decode %.1f tokens/s",
                g.promptLength(), g.prefillTokensPerSecond(), g.tokens().length - g.promptLength(), g.decodeTokensPerSecond()));
        return 0;
    }

    private static long seed(Args args) {
        if (!args.has("seed")) return Math.max(1, System.currentTimeMillis() / 1000); // run.c seeds from time(NULL)
        String v = args.required("seed").trim();
        try {
            long seed = Long.parseLong(v);
            if (seed > 0) return seed;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("generate: --seed must be a positive integer, got '" + v + "'");
    }
}
