package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/**
 * RMSNorm over the last axis: y = x / sqrt(mean(x²) + eps) ⊙ w, with x (n, d), w (d).
 * The forward returns the per-row inverse RMS, which the backward reuses.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /** out = rmsnorm(x) ⊙ w; returns invRms (n). */
    public static float[] forward(Tensor x, Tensor w, float eps, Tensor out) {
        return forwardScalar(x, w, eps, out);
    }

    /** dx (+)= ∂y/∂x applied to dy: dx = invRms ⊙ (w ⊙ dy − x̂ · mean(x̂ ⊙ w ⊙ dy)), x̂ = x · invRms. */
    public static void backwardInput(Tensor dy, Tensor x, Tensor w, float[] invRms, Tensor dx, boolean accumulate) {
        backwardInputScalar(dy, x, w, invRms, dx, accumulate);
    }

    /** dw += Σ_rows dy ⊙ x̂. */
    public static void backwardWeight(Tensor dy, Tensor x, float[] invRms, Tensor dw) {
        backwardWeightScalar(dy, x, invRms, dw);
    }

    public static float[] forwardScalar(Tensor x, Tensor w, float eps, Tensor out) {
        int n = x.rows(), d = x.cols();
        Checks.equal("rmsnorm", "weight size", w.size(), d, x, w);
        Checks.sameSize("rmsnorm", x, out);
        float[] xd = x.data(), wd = w.data(), od = out.data();
        float[] invRms = new float[n];
        for (int i = 0; i < n; i++) {
            int xo = x.offset() + i * d;
            float ss = 0f;
            for (int j = 0; j < d; j++) ss += xd[xo + j] * xd[xo + j];
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            invRms[i] = inv;
            for (int j = 0; j < d; j++) od[out.offset() + i * d + j] = xd[xo + j] * inv * wd[w.offset() + j];
        }
        return invRms;
    }

    public static void backwardInputScalar(Tensor dy, Tensor x, Tensor w, float[] invRms, Tensor dx, boolean accumulate) {
        int n = x.rows(), d = x.cols();
        Checks.sameSize("rmsnorm backward", dy, x);
        Checks.sameSize("rmsnorm backward", dx, x);
        float[] dyd = dy.data(), xd = x.data(), wd = w.data(), dxd = dx.data();
        for (int i = 0; i < n; i++) {
            int xo = x.offset() + i * d, go = dy.offset() + i * d, oo = dx.offset() + i * d;
            float inv = invRms[i];
            float dot = 0f; // Σ_j dy_j w_j x_j
            for (int j = 0; j < d; j++) dot += dyd[go + j] * wd[w.offset() + j] * xd[xo + j];
            float coef = dot * inv * inv / d;
            for (int j = 0; j < d; j++) {
                float g = inv * (dyd[go + j] * wd[w.offset() + j] - xd[xo + j] * coef);
                dxd[oo + j] = accumulate ? dxd[oo + j] + g : g;
            }
        }
    }

    public static void backwardWeightScalar(Tensor dy, Tensor x, float[] invRms, Tensor dw) {
        int n = x.rows(), d = x.cols();
        Checks.sameSize("rmsnorm backward", dy, x);
        Checks.equal("rmsnorm backward", "weight gradient size", dw.size(), d, dw, x);
        float[] dyd = dy.data(), xd = x.data(), dwd = dw.data();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                dwd[dw.offset() + j] += dyd[dy.offset() + i * d + j] * xd[x.offset() + i * d + j] * invRms[i];
            }
        }
    }
}
