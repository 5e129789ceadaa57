package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Tensor;

/**
 * Rotary position embedding with a precomputed cos/sin table. Pair i of a head (i in [0, headSize/2)) is rotated
 * by angle pos · theta^(−2i/headSize). Which elements form pair i depends on the checkpoint's convention:
 * {@link Style#INTERLEAVED} (llama2.c, GGUF) pairs (2i, 2i+1); {@link Style#HALF_SPLIT} (Hugging Face) pairs
 * (i, i + headSize/2). The backward of a rotation is the rotation by the opposite angle ({@code inverse}).
 */
public final class Rope {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Swaps the lanes of every pair: (x0, x1, x2, x3, ...) → (x1, x0, x3, x2, ...). */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, lane -> lane ^ 1);

    /** Which elements of a head form a rotated pair. */
    public enum Style { INTERLEAVED, HALF_SPLIT }

    private final int headSize;
    private final int maxPositions;
    private final Style style;
    private final float[] cos; // (maxPositions, headSize/2)
    private final float[] sin;
    private final float[] cosPairs; // (maxPositions, headSize): cos_i at 2i and 2i+1; INTERLEAVED only, else null
    private final float[] sinPairs; // (maxPositions, headSize): −sin_i at 2i, +sin_i at 2i+1; INTERLEAVED only

    /** The plain table: pair i turns by pos · theta^(−2i/headSize). */
    public Rope(int headSize, int maxPositions, double theta, Style style) {
        this(headSize, maxPositions, plainFrequencies(headSize, theta), style);
    }

    /**
     * A table of any frequencies: pair i turns by pos · inverseFrequencies[i] (headSize/2 of them), as Llama 3's
     * and linear RoPE scaling derive them from the plain ones.
     */
    public Rope(int headSize, int maxPositions, float[] inverseFrequencies, Style style) {
        if (headSize <= 0 || headSize % 2 != 0) throw new IllegalArgumentException("RoPE head size must be even and positive, got " + headSize);
        if (maxPositions <= 0) throw new IllegalArgumentException("RoPE needs at least one position, got " + maxPositions);
        if (inverseFrequencies.length != headSize / 2) {
            throw new IllegalArgumentException("RoPE needs " + headSize / 2 + " frequencies for head size " + headSize + ", got " + inverseFrequencies.length);
        }
        this.headSize = headSize;
        this.maxPositions = maxPositions;
        this.style = style;
        int half = headSize / 2;
        this.cos = new float[maxPositions * half];
        this.sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * inverseFrequencies[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        this.cosPairs = style == Style.INTERLEAVED ? new float[maxPositions * headSize] : null;
        this.sinPairs = style == Style.INTERLEAVED ? new float[maxPositions * headSize] : null;
        if (style == Style.INTERLEAVED) {
            for (int k = 0; k < maxPositions * half; k++) {
                cosPairs[2 * k] = cos[k];
                cosPairs[2 * k + 1] = cos[k];
                sinPairs[2 * k] = -sin[k];
                sinPairs[2 * k + 1] = sin[k];
            }
        }
    }

    /** theta^(−2i/headSize) for i in [0, headSize/2), each rounded to float as llama2.c computes it (logits agree to 1e-6). */
    public static float[] plainFrequencies(int headSize, double theta) {
        if (headSize <= 0 || headSize % 2 != 0) throw new IllegalArgumentException("RoPE head size must be even and positive, got " + headSize);
        if (!(theta > 0)) throw new IllegalArgumentException("RoPE theta must be positive, got " + theta);
        float[] f = new float[headSize / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headSize));
        return f;
    }

    public int headSize() {
        return headSize;
    }

    public Style style() {
        return style;
    }

    public int maxPositions() {
        return maxPositions;
    }

    /**
     * Rotates every head of every row of x (rows, heads·headSize) in place; row r is at position positions[r].
     * With {@code inverse} it rotates backwards, which is the backward pass.
     * <p>
     * SIMD for both styles, with the same products and sums as {@link #rotateScalar}, so the same bits.
     * {@link Style#HALF_SPLIT}: both halves of a head and the table row are contiguous, so pair i's elements sit
     * in the same lane of three loads. {@link Style#INTERLEAVED}: pair i is lanes (2i, 2i+1) of one load; with
     * tables that repeat cos_i in both lanes and carry −sin_i, +sin_i, y = x ⊙ cos + swapPairs(x) ⊙ sin
     * The tables cost 2 · maxPositions · headSize more floats; RopeBench (512 rows, 16 lanes) measured 1.6x over
     * scalar for 6 heads of 48 and 4x for 12 heads of 64 (HALF_SPLIT: 1.5x and 5x). Heads (or half heads)
     * narrower than a vector run in the scalar tail, as stories260K's 8-wide heads do.
     */
    public void rotate(Tensor x, int[] positions, boolean inverse) {
        check(x, positions);
        if (style == Style.INTERLEAVED) {
            rotateInterleaved(x, positions, inverse);
        } else {
            rotateHalfSplit(x, positions, inverse);
        }
    }

    private void rotateInterleaved(Tensor x, int[] positions, boolean inverse) {
        int rows = x.rows(), width = x.cols();
        int half = headSize / 2;
        float[] d = x.data();
        for (int r = 0; r < rows; r++) {
            int t = positions[r] * headSize;
            for (int h = 0; h < width; h += headSize) {
                int base = x.offset() + r * width + h;
                int j = 0;
                // j stays even (vector lengths are even), so no pair straddles the vector part and the tail.
                for (int end = F.loopBound(headSize); j < end; j += F.length()) {
                    FloatVector c = FloatVector.fromArray(F, cosPairs, t + j);
                    FloatVector s = FloatVector.fromArray(F, sinPairs, t + j);
                    if (inverse) s = s.neg();
                    FloatVector v = FloatVector.fromArray(F, d, base + j);
                    v.mul(c).add(v.rearrange(SWAP_PAIRS).mul(s)).intoArray(d, base + j);
                }
                for (int i = j / 2; i < half; i++) {
                    float c = cos[positions[r] * half + i];
                    float s = inverse ? -sin[positions[r] * half + i] : sin[positions[r] * half + i];
                    float x0 = d[base + 2 * i], x1 = d[base + 2 * i + 1];
                    d[base + 2 * i] = x0 * c - x1 * s;
                    d[base + 2 * i + 1] = x0 * s + x1 * c;
                }
            }
        }
    }

    private void rotateHalfSplit(Tensor x, int[] positions, boolean inverse) {
        int rows = x.rows(), width = x.cols();
        int half = headSize / 2;
        float[] d = x.data();
        for (int r = 0; r < rows; r++) {
            int t = positions[r] * half;
            for (int h = 0; h < width; h += headSize) {
                int base = x.offset() + r * width + h;
                int i = 0;
                for (int end = F.loopBound(half); i < end; i += F.length()) {
                    FloatVector c = FloatVector.fromArray(F, cos, t + i);
                    FloatVector s = FloatVector.fromArray(F, sin, t + i);
                    if (inverse) s = s.neg();
                    FloatVector x0 = FloatVector.fromArray(F, d, base + i);
                    FloatVector x1 = FloatVector.fromArray(F, d, base + half + i);
                    x0.mul(c).sub(x1.mul(s)).intoArray(d, base + i);
                    x0.mul(s).add(x1.mul(c)).intoArray(d, base + half + i);
                }
                for (; i < half; i++) {
                    float c = cos[t + i];
                    float s = inverse ? -sin[t + i] : sin[t + i];
                    float x0 = d[base + i], x1 = d[base + half + i];
                    d[base + i] = x0 * c - x1 * s;
                    d[base + half + i] = x0 * s + x1 * c;
                }
            }
        }
    }

    private void check(Tensor x, int[] positions) {
        int rows = x.rows(), width = x.cols();
        if (width % headSize != 0) throw new IllegalArgumentException("rope: width " + width + " of " + x.shape() + " is not a multiple of head size " + headSize);
        Checks.equal("rope", "positions", positions.length, rows, x);
        for (int r = 0; r < rows; r++) {
            int pos = positions[r];
            if (pos < 0 || pos >= maxPositions) throw new IndexOutOfBoundsException("rope: position " + pos + " at row " + r + " outside [0, " + maxPositions + ")");
        }
    }

    /** The definition of {@link #rotate}: one pair at a time, either style. */
    public void rotateScalar(Tensor x, int[] positions, boolean inverse) {
        int rows = x.rows(), width = x.cols();
        if (width % headSize != 0) throw new IllegalArgumentException("rope: width " + width + " is not a multiple of head size " + headSize);
        Checks.equal("rope", "positions", positions.length, rows, x);
        int half = headSize / 2;
        float[] d = x.data();
        for (int r = 0; r < rows; r++) {
            int pos = positions[r];
            if (pos < 0 || pos >= maxPositions) throw new IndexOutOfBoundsException("rope: position " + pos + " outside [0, " + maxPositions + ")");
            for (int h = 0; h < width; h += headSize) {
                int base = x.offset() + r * width + h;
                for (int i = 0; i < half; i++) {
                    float c = cos[pos * half + i];
                    float s = inverse ? -sin[pos * half + i] : sin[pos * half + i];
                    int a = style == Style.INTERLEAVED ? base + 2 * i : base + i;
                    int b = style == Style.INTERLEAVED ? base + 2 * i + 1 : base + i + half;
                    float x0 = d[a], x1 = d[b];
                    d[a] = x0 * c - x1 * s;
                    d[b] = x0 * s + x1 * c;
                }
            }
        }
    }
}
