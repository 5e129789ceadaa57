package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.kernel.Reduce;
import org.sparselora4j.tensor.kernel.Softmax;

import java.util.Arrays;

/**
 * Picks the next token from logits as llama2.c's {@code run.c} does: temperature 0 is argmax (greedy); otherwise
 * softmax(logits / temperature), then either a draw from the whole distribution (topP ≤ 0 or ≥ 1) or nucleus
 * sampling from the smallest set of most likely tokens whose probability exceeds topP.
 * <p>
 * The random numbers are run.c's xorshift64* generator seeded the same way, so a given seed, temperature and
 * top-p draw the same tokens as {@code run -s SEED} from the same logits (bit parity up to float rounding in the
 * softmax and the order of equal probabilities, which run.c's qsort leaves unspecified). Not thread-safe.
 */
public final class Sampler {
    private final float temperature;
    private final float topP;
    private long state; // xorshift64* state, an unsigned 64-bit value as in run.c

    /** A seeded sampler; seed must be nonzero (xorshift never leaves 0). */
    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be finite and ≥ 0, got " + temperature);
        if (Float.isNaN(topP)) throw new IllegalArgumentException("top-p must be a number");
        if (seed == 0) throw new IllegalArgumentException("seed must be nonzero");
        this.temperature = temperature;
        this.topP = topP;
        this.state = seed;
    }

    /** Always the most likely token. */
    public static Sampler greedy() {
        return new Sampler(0f, 1f, 1);
    }

    public float temperature() {
        return temperature;
    }

    public float topP() {
        return topP;
    }

    /** The next token drawn from {@code logits} (vocab), which are left unchanged. */
    public int sample(float[] logits) {
        if (temperature == 0f) return Reduce.argmax(logits, 0, logits.length);
        float[] probs = logits.clone();
        for (int i = 0; i < probs.length; i++) probs[i] /= temperature;
        Softmax.inPlace(probs, 0, probs.length);
        float coin = nextFloat();
        if (topP <= 0f || topP >= 1f) return sampleAll(probs, coin);
        return sampleTopP(probs, topP, coin);
    }

    /** The first index where the cumulative probability exceeds coin ∈ [0, 1). */
    static int sampleAll(float[] probs, float coin) {
        float cdf = 0f;
        for (int i = 0; i < probs.length; i++) {
            cdf += probs[i];
            if (coin < cdf) return i;
        }
        return probs.length - 1; // rounding left the total a little under 1
    }

    /** Nucleus sampling: a draw among the most likely tokens whose probabilities first sum past topP. */
    static int sampleTopP(float[] probs, float topP, float coin) {
        int n = probs.length;
        // Tokens below this cannot be in the nucleus (the rest would outweigh them), so they are not sorted (run.c).
        float cutoff = (1f - topP) / (n - 1);
        int kept = 0;
        for (float p : probs) if (p >= cutoff) kept++;
        if (kept == 0) return Reduce.argmax(probs, 0, n); // near-uniform probabilities and a tiny topP (run.c reads out of bounds here)
        Integer[] order = new Integer[kept];
        for (int i = 0, k = 0; i < n; i++) if (probs[i] >= cutoff) order[k++] = i;
        Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a])); // most likely first; stable on ties
        float cumulative = 0f;
        int last = kept - 1;
        for (int i = 0; i < kept; i++) {
            cumulative += probs[order[i]];
            if (cumulative > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++) {
            cdf += probs[order[i]];
            if (r < cdf) return order[i];
        }
        return order[last];
    }

    /** run.c's random_f32: 24 random bits as a float in [0, 1). */
    float nextFloat() {
        return (nextU32() >>> 8) / 16777216.0f;
    }

    /** run.c's random_u32: one xorshift64* step, the high 32 bits of the scrambled state. */
    private long nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (state * 0x2545F4914F6CDD1DL) >>> 32;
    }
}
