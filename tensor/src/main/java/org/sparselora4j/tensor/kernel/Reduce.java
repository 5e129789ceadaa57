package org.sparselora4j.tensor.kernel;

/** Reductions over a window of a float array. */
public final class Reduce {
    private Reduce() {
    }

    /** Σ a[aOff+i] · b[bOff+i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dotScalar(a, aOff, b, bOff, n);
    }

    /** Σ x[off+i]² for i in [0, n). */
    public static float sumSquares(float[] x, int off, int n) {
        return dotScalar(x, off, x, off, n);
    }

    /** max x[off+i] for i in [0, n); -∞ when n = 0. */
    public static float max(float[] x, int off, int n) {
        return maxScalar(x, off, n);
    }

    /** Index (relative to off) of the largest of x[off, off+n); the first one on ties. */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    public static float maxScalar(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }
}
