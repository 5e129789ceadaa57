package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Tensor;

/**
 * Reductions over a window of a float array: dot products, sums of squares, max and argmax. The SIMD versions
 * keep lane-wise partial results and reduce them once at the end, so their sums round differently from the
 * left-to-right scalar twins (tests compare them within a tolerance scaled by Σ|terms|).
 */
public final class Reduce {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Reduce() {
    }

    /** Σ a[aOff+i] · b[bOff+i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        // Two accumulators: one FMA chain would wait on the FMA latency (4 cycles) every step.
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int step = F.length();
        int i = 0;
        for (int end = n - 2 * step; i <= end; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + step).fma(FloatVector.fromArray(F, b, bOff + i + step), acc1);
        }
        for (int end = F.loopBound(n); i < end; i += step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) + dotScalar(a, aOff + i, b, bOff + i, n - i);
    }

    /** Σ x[off+i]² for i in [0, n). */
    public static float sumSquares(float[] x, int off, int n) {
        return dot(x, off, x, off, n);
    }

    /**
     * acc[c] += Σ_i y[i, c]² for every column c of y (rows, cols): column sums of squares, a row at a time along
     * the columns, so each column keeps its own left-to-right sum (the same rounding as the scalar twin).
     */
    public static void addColumnSquares(Tensor y, float[] acc) {
        int n = y.rows(), d = y.cols();
        if (acc.length != d) throw new IllegalArgumentException("column sums of length " + acc.length + " for " + d + " columns");
        float[] data = y.data();
        int bound = F.loopBound(d);
        for (int i = 0; i < n; i++) {
            int row = y.offset() + i * d;
            int c = 0;
            for (; c < bound; c += F.length()) {
                FloatVector v = FloatVector.fromArray(F, data, row + c);
                v.fma(v, FloatVector.fromArray(F, acc, c)).intoArray(acc, c);
            }
            for (; c < d; c++) acc[c] = Math.fma(data[row + c], data[row + c], acc[c]);
        }
    }

    /** The definition of {@link #addColumnSquares}. */
    public static void addColumnSquaresScalar(Tensor y, float[] acc) {
        int n = y.rows(), d = y.cols();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                float v = y.data()[y.offset() + i * d + c];
                acc[c] = Math.fma(v, v, acc[c]);
            }
        }
    }

    /** max x[off+i] for i in [0, n); -∞ when n = 0; NaN if any element is NaN. */
    public static float max(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            acc = acc.max(FloatVector.fromArray(F, x, off + i));
        }
        return Math.max(acc.reduceLanes(VectorOperators.MAX), maxScalar(x, off + i, n - i));
    }

    /**
     * Index (relative to off) of the largest of x[off, off+n); the first one on ties. Scalar only: it runs once
     * per sampled token on one row of logits, and a SIMD version (a max, then a search for it) reads the row
     * twice to save microseconds nobody waits for.
     */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    /** The definition of {@link #dot}: one left-to-right sum. */
    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** The definition of {@link #sumSquares}. */
    public static float sumSquaresScalar(float[] x, int off, int n) {
        return dotScalar(x, off, x, off, n);
    }

    /** The definition of {@link #max}. */
    public static float maxScalar(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }
}
