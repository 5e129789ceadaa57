package org.sparselora4j.tensor.kernel;

/** Numerically stable softmax over windows of a float array, and its backward. */
public final class Softmax {
    private Softmax() {
    }

    /** x[off, off+n) ← softmax of itself. The max is subtracted first so exp never overflows. */
    public static void inPlace(float[] x, int off, int n) {
        inPlaceScalar(x, off, n);
    }

    /** dx[off..] (+)= y ⊙ (dy − Σ dy ⊙ y) over a window of n, where y is the softmax output. */
    public static void backward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        backwardScalar(y, yOff, dy, dyOff, dx, dxOff, n, accumulate);
    }

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

    public static void backwardScalar(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        float dot = 0f;
        for (int i = 0; i < n; i++) dot += dy[dyOff + i] * y[yOff + i];
        for (int i = 0; i < n; i++) {
            float g = y[yOff + i] * (dy[dyOff + i] - dot);
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }
}
