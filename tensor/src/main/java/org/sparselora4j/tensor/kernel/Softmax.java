package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Numerically stable softmax over a window of a float array, y_i = e^(x_i − max x) / Σ_j e^(x_j − max x), and
 * its backward dx_i = y_i (dy_i − Σ_j dy_j y_j). Windows are one attention row or one row of logits; callers
 * loop (or parallelize) over rows. The SIMD version uses {@link Exp} (within 2e-7 of {@link Math#exp}).
 */
public final class Softmax {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Softmax() {
    }

    /** x[off, off+n) ← softmax of itself. The max is subtracted first so exp never overflows. */
    public static void inPlace(float[] x, int off, int n) {
        if (n == 0) return;
        float max = Reduce.max(x, off, n);
        FloatVector vmax = FloatVector.broadcast(F, max);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector e = Exp.exp(FloatVector.fromArray(F, x, off + i).sub(vmax));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = Exp.expScalar(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= inv;
    }

    /** dx[dxOff, dxOff+n) (+)= y ⊙ (dy − Σ dy ⊙ y), where y is the softmax output; overwritten unless accumulate. */
    public static void backward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        float dot = Reduce.dot(dy, dyOff, y, yOff, n);
        FloatVector vdot = FloatVector.broadcast(F, dot);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, y, yOff + i).mul(FloatVector.fromArray(F, dy, dyOff + i).sub(vdot));
            if (accumulate) g = g.add(FloatVector.fromArray(F, dx, dxOff + i));
            g.intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - dot);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }

    /** The definition of {@link #inPlace}, with {@link Math#exp}. */
    public static void inPlaceScalar(float[] x, int off, int n) {
        if (n == 0) return;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }

    /** The definition of {@link #backward}. */
    public static void backwardScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        float dot = 0f;
        for (int i = 0; i < n; i++) dot += dy[dyOff + i] * y[yOff + i];
        for (int i = 0; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - dot);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }
}
