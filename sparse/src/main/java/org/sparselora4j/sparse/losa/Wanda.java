package org.sparselora4j.sparse.losa;

import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Wanda pruning of one matrix (Sun et al. 2023): the score of weight W[i][j] is |W[i][j]| · sqrt(n_j), with n_j
 * the calibration input's squared norm of channel j; each output row is a comparison group, and the lowest
 * scores are set to exactly zero. Weights already zero score 0, so they are pruned first: a mask never relaxes.
 */
public final class Wanda {
    private Wanda() {
    }

    /** Scores (out, in): |W[i][j]| · sqrt(n_j). {@code norms} (in) holds n_j. */
    public static Tensor scores(Tensor w, double[] norms) {
        int out = w.rows(), in = w.cols();
        if (norms.length != in) throw new IllegalArgumentException(norms.length + " channel norms for a matrix of " + in + " inputs");
        Tensor s = Tensor.zeros(out, in);
        float[] wd = w.data(), sd = s.data();
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) sd[i * in + j] = (float) (Math.abs(wd[w.offset() + i * in + j]) * Math.sqrt(norms[j]));
        }
        return s;
    }

    /**
     * Prunes {@code w} (out, in) in place. Unstructured: round(rate · out · in) zeros in all ({@link #pruneCount}).
     * N:M: in each group of M consecutive weights of a row the M − N lowest scores (rate is ignored).
     */
    public static void prune(Tensor w, double[] norms, double rate, PrunePattern pattern) {
        if (!(rate >= 0 && rate <= 1)) throw new IllegalArgumentException("pruning rate must be in [0, 1], got " + rate);
        pruneCount(w, norms, Math.round(rate * w.rows() * (double) w.cols()), pattern);
    }

    /**
     * Prunes {@code w} (out, in) in place. Unstructured: {@code zeros} lowest scores in all, spread as evenly as
     * possible over the rows (each row loses floor or ceil of zeros / out, the extra ones in the first rows). N:M:
     * in each group of M consecutive weights of a row the M − N lowest scores ({@code zeros} is ignored). Ties go
     * to the lower input index.
     */
    public static void pruneCount(Tensor w, double[] norms, long zeros, PrunePattern pattern) {
        int out = w.rows(), in = w.cols();
        if (zeros < 0 || zeros > (long) out * in) throw new IllegalArgumentException(zeros + " zeros do not fit a matrix of " + w.shape());
        Tensor scores = scores(w, norms);
        float[] wd = w.data(), sd = scores.data();
        switch (pattern) {
            case PrunePattern.Unstructured u -> {
                int base = (int) (zeros / out), extra = (int) (zeros % out);
                for (int i = 0; i < out; i++) {
                    int k = base + (i < extra ? 1 : 0);
                    zeroLowest(wd, w.offset() + i * in, sd, i * in, in, k);
                }
            }
            case PrunePattern.NOfM nm -> {
                nm.checkWidth(in, "the pruned matrix " + w.shape());
                for (int i = 0; i < out; i++) {
                    for (int g = 0; g < in; g += nm.group()) {
                        zeroLowest(wd, w.offset() + i * in + g, sd, i * in + g, nm.group(), nm.group() - nm.keep());
                    }
                }
            }
        }
    }

    /** Zeroes the k weights w[wOff, wOff+n) whose scores s[sOff, sOff+n) are lowest (ties: lower index first). */
    static void zeroLowest(float[] w, int wOff, float[] s, int sOff, int n, int k) {
        if (k <= 0) return;
        if (k >= n) {
            Arrays.fill(w, wOff, wOff + n, 0f);
            return;
        }
        // Scores are non-negative floats, whose bit patterns order like the values; the index breaks ties.
        long[] keys = new long[n];
        for (int j = 0; j < n; j++) keys[j] = ((long) Float.floatToRawIntBits(s[sOff + j]) << 32) | j;
        Arrays.sort(keys);
        for (int r = 0; r < k; r++) w[wOff + (int) keys[r]] = 0f;
    }
}
