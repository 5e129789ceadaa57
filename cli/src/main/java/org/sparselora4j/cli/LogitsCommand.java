package org.sparselora4j.cli;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.CrossEntropy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code logits --model F --tokens 1,2,3 [--all] [--adapter DIR]}: one forward pass over the ids; prints
 * {@code {"tokens": [...], "loss": L, "logits": [...]}} with the last position's logits (every position's with
 * {@code --all}) and the mean next-token cross-entropy of tokens[1..] (null for a single token). {@code --sparse}
 * runs pruned projections as CSR matmuls ({@link SparseFlag}).
 */
final class LogitsCommand implements Command {
    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "one forward pass over token ids; JSON with the logits and the next-token loss";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder (llama2.c .bin, GGUF, Hugging Face folder)"),
                Args.Flag.value("tokens", "comma-separated token ids, e.g. 1,403,407"),
                Args.Flag.toggle("all", "print the logits of every position (a list of lists), not just the last"),
                Args.Flag.value("tokenizer", "optional tokenizer file; checked against the model's vocabulary"),
                AdapterInput.FLAG,
                BackendFlag.FLAG, SparseFlag.FLAG);
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        int[] tokens = parseTokens(args.required("tokens"));
        ModelInput input = ModelInput.load(args);
        LlamaWeights weights = input.weights();
        LlamaConfig config = weights.config();
        if (args.has("tokenizer")) input.tokenizer(args, name());
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("--tokens: id " + tokens[i] + " at index " + i + " is outside the vocabulary [0, "
                        + config.vocabSize() + ") of " + args.path("model"));
            }
        }
        if (tokens.length > config.maxSeqLen()) {
            throw new IllegalArgumentException("--tokens: " + tokens.length + " tokens are longer than the context of "
                    + config.maxSeqLen() + " of " + args.path("model"));
        }

        Tensor logits;                                                                                      // (n, vocab)
        try (Backend backend = BackendFlag.open(args, name(), err)) {
            logits = SparseFlag.inference(args, AdapterInput.apply(args, weights), backend, name(), err).newSession().prefill(tokens);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tokens", tokens);
        result.put("loss", meanNextTokenLoss(logits, tokens));
        if (args.flag("all")) {
            List<float[]> rows = new ArrayList<>();
            for (int r = 0; r < logits.rows(); r++) rows.add(logits.row(r).toArray());
            result.put("logits", rows);
        } else {
            result.put("logits", logits.row(logits.rows() - 1).toArray());
        }
        out.println(Json.write(result));
        return 0;
    }

    /** Mean cross-entropy of predicting tokens[1..] from the positions before them; NaN (written null) for one token. */
    static double meanNextTokenLoss(Tensor logits, int[] tokens) {
        if (tokens.length < 2) return Double.NaN;
        int[] targets = Arrays.copyOfRange(tokens, 1, tokens.length);
        return CrossEntropy.lossSum(logits.rows(0, tokens.length - 1), targets) / targets.length;
    }

    /** Ids from "1,2,3"; a malformed list is a usage error. */
    static int[] parseTokens(String text) {
        String[] parts = text.split(",", -1);
        int[] tokens = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                tokens[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("logits: --tokens must be comma-separated integers, got '" + parts[i].trim() + "' at index " + i);
            }
        }
        return tokens;
    }
}
