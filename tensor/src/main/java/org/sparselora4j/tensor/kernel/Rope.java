package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
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

    /** Which elements of a head form a rotated pair. */
    public enum Style { INTERLEAVED, HALF_SPLIT }

    private final int headSize;
    private final int maxPositions;
    private final Style style;
    private final float[] cos; // (maxPositions, headSize/2)
    private final float[] sin;

    public Rope(int headSize, int maxPositions, double theta, Style style) {
        if (headSize <= 0 || headSize % 2 != 0) throw new IllegalArgumentException("RoPE head size must be even and positive, got " + headSize);
        if (maxPositions <= 0) throw new IllegalArgumentException("RoPE needs at least one position, got " + maxPositions);
        this.headSize = headSize;
        this.maxPositions = maxPositions;
        this.style = style;
        int half = headSize / 2;
        this.cos = new float[maxPositions * half];
        this.sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                // llama2.c computes the frequency in float; match it so logits agree to 1e-6.
                float freq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headSize));
                float angle = p * freq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
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
     * {@link Style#HALF_SPLIT} is SIMD: both halves of a head and the table row are contiguous, so pair i's
     * elements sit in the same lane of three loads. {@link Style#INTERLEAVED} stays scalar: its pairs are
     * adjacent lanes, which needs a lane shuffle and tables duplicated per lane to vectorize, for an op that
     * costs O(rows · width) beside the O(rows · width · dim) projections around it. Heads narrower than two
     * vectors (stories260K's 8) also stay scalar, through the same loop's tail.
     */
    public void rotate(Tensor x, int[] positions, boolean inverse) {
        if (style == Style.INTERLEAVED) {
            rotateScalar(x, positions, inverse);
            return;
        }
        int rows = x.rows(), width = x.cols();
        check(x, positions);
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
