package org.sparselora4j.models.llama;

import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation over a KV cache, with llama2.c {@code run.c}'s semantics: the prompt is encoded with
 * BOS where the tokenizer adds one (Qwen's do not), read in one batch (run.c reads it a token at a time; the result is the same), then each new token is
 * sampled from the last logits and read in turn. Generation stops after {@code maxNewTokens} new tokens, when
 * the context is full, or when the model produces BOS (run.c's end of a story) or EOS, which are not kept.
 * <p>
 * With a prompt of P tokens (BOS included), {@code run -n S} reads S positions and prints S − P + 1 new tokens,
 * the last of them never read back; so {@code run -n S} is {@code maxNewTokens = S − P + 1} here.
 */
public final class Generator {
    /**
     * One finished generation.
     *
     * @param tokens        the prompt (BOS first) followed by the new tokens
     * @param promptLength  how many of {@code tokens} are the prompt
     * @param prefillNanos  time to read the prompt
     * @param decodeSteps   new tokens read back one at a time after the prompt (the last new one is not)
     * @param decodeNanos   time from the end of the prompt to the last new token, sampling included
     */
    public record Generation(int[] tokens, int promptLength, long prefillNanos, int decodeSteps, long decodeNanos) {
        /** The generated tokens, without the prompt. */
        public int[] newTokens() {
            return Arrays.copyOfRange(tokens, promptLength, tokens.length);
        }

        /** Prompt tokens read per second. */
        public double prefillTokensPerSecond() {
            return promptLength / (prefillNanos / 1e9);
        }

        /** Tokens decoded per second after the prompt (NaN when none was). */
        public double decodeTokensPerSecond() {
            return decodeSteps == 0 ? Double.NaN : decodeSteps / (decodeNanos / 1e9);
        }
    }

    private final LlamaInference model;
    private final Tokenizer tokenizer;

    public Generator(LlamaInference model, Tokenizer tokenizer) {
        // A model may have more embedding rows than its tokenizer has tokens (Qwen pads 151669 to 151936); the
        // padding rows are never sampled.
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary is "
                    + model.config().vocabSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Encodes {@code prompt} with BOS, generates, and passes each printable piece of text (prompt first) to {@code onText}. */
    public Generation generate(String prompt, int maxNewTokens, Sampler sampler, Consumer<String> onText) {
        int[] promptTokens = tokenizer.encode(prompt, true, false);
        checkPrompt(promptTokens);
        onText.accept(text(promptTokens));
        int[] previous = {promptTokens[promptTokens.length - 1]};
        return generate(promptTokens, maxNewTokens, sampler, token -> {
            onText.accept(piece(previous[0], token));
            previous[0] = token;
        });
    }

    /** Generates after {@code prompt} (token ids, BOS first), passing each new token to {@code onToken}. */
    public Generation generate(int[] prompt, int maxNewTokens, Sampler sampler, IntConsumer onToken) {
        checkPrompt(prompt);
        int context = model.config().maxSeqLen();
        if (maxNewTokens < 0) throw new IllegalArgumentException("maxNewTokens must be ≥ 0, got " + maxNewTokens);
        // Every token but the last new one is read, so the sequence may hold context + 1 tokens.
        int budget = Math.min(maxNewTokens, context + 1 - prompt.length);
        int[] tokens = Arrays.copyOf(prompt, prompt.length + budget);
        int length = prompt.length;

        // The cache holds what is read (not the whole context: Llama 3.2's 131072 positions would be gigabytes).
        InferenceSession session = new InferenceSession(model, new KvCache(model.config(), Math.min(context, prompt.length + Math.max(budget, 1))));
        long t0 = System.nanoTime();
        float[] logits = lastRow(session.prefill(prompt));
        long t1 = System.nanoTime();
        int decodeSteps = 0;
        for (int i = 0; i < budget; i++) {
            int next = sampler.sample(withoutPadding(logits));
            if (next == tokenizer.bos() || next == tokenizer.eos()) break;
            tokens[length++] = next;
            onToken.accept(next);
            if (i + 1 < budget) {
                logits = session.next(next);
                decodeSteps++;
            }
        }
        long t2 = System.nanoTime();
        return new Generation(Arrays.copyOf(tokens, length), prompt.length, t1 - t0, decodeSteps, t2 - t1);
    }

    /** The logits of the tokenizer's tokens: a padded model's extra rows are left out, so they are never sampled. */
    private float[] withoutPadding(float[] logits) {
        return logits.length == tokenizer.vocabSize() ? logits : Arrays.copyOf(logits, tokenizer.vocabSize());
    }

    private void checkPrompt(int[] prompt) {
        int context = model.config().maxSeqLen();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt has no tokens");
        if (prompt.length > context) {
            throw new IllegalArgumentException("the prompt is " + prompt.length + " tokens, longer than the model's context of " + context);
        }
    }

    /**
     * The printable text of a sequence, as {@link #generate(String, int, Sampler, Consumer)} prints it: a leading
     * BOS prints nothing, and a first token that is not BOS (Qwen's tokenizers add none) reads as following it.
     */
    public String text(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) {
            if (i == 0 && tokens[0] == tokenizer.bos()) continue;
            sb.append(piece(i == 0 ? tokenizer.bos() : tokens[i - 1], tokens[i]));
        }
        return sb.toString();
    }

    /**
     * The text of {@code token} after {@code previous}, or nothing when it is one unprintable byte, as run.c's
     * safe_printf drops it: an ASCII control character other than white space, or a lone byte of a longer UTF-8
     * character (which decodes to U+FFFD).
     */
    private String piece(int previous, int token) {
        String piece = tokenizer.decode(previous, token);
        if (piece.length() == 1) {
            char c = piece.charAt(0);
            boolean control = c < 0x20 || c == 0x7f;
            boolean space = c == ' ' || (c >= '\t' && c <= '\r');
            if ((control && !space) || c == '\uFFFD') return "";
        }
        return piece;
    }

    private static float[] lastRow(Tensor logits) {
        return logits.row(logits.rows() - 1).toArray();
    }
}
