package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * RMSNorm over the last axis: y = x / sqrt(mean(x²) + eps) ⊙ w, with x (n, d), w (d).
 * The forward returns the per-row inverse RMS, which the backward reuses. The SIMD versions split rows (or, for
 * dw, columns) over {@link Parallel#current()} when n · d is large; the {@code …Scalar} twins are the definitions.
 */
public final class RmsNorm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements (rows · d) the kernels stay on the calling thread. */
    private static final int PARALLEL_MIN = 1 << 15;
    private static final int ROW_GRAIN_ELEMENTS = 1 << 13;
    private static final int COLUMN_GRAIN = 64; // a multiple of every vector length

    private RmsNorm() {
    }

    /** out = rmsnorm(x) ⊙ w; returns invRms (n). */
    public static float[] forward(Tensor x, Tensor w, float eps, Tensor out) {
        int n = x.rows(), d = x.cols();
        Checks.equal("rmsnorm", "weight size", w.size(), d, x, w);
        Checks.sameSize("rmsnorm", x, out);
        float[] xd = x.data(), wd = w.data(), od = out.data();
        int wo = w.offset();
        float[] invRms = new float[n];
        rows(n, d, (from, to) -> {
            for (int i = from; i < to; i++) {
                int xo = x.offset() + i * d, oo = out.offset() + i * d;
                float inv = (float) (1.0 / Math.sqrt(Reduce.sumSquares(xd, xo, d) / d + eps));
                invRms[i] = inv;
                int j = 0;
                for (int end = F.loopBound(d); j < end; j += F.length()) {
                    FloatVector.fromArray(F, xd, xo + j).mul(inv).mul(FloatVector.fromArray(F, wd, wo + j)).intoArray(od, oo + j);
                }
                for (; j < d; j++) od[oo + j] = xd[xo + j] * inv * wd[wo + j];
            }
        });
        return invRms;
    }

    /** dx (+)= ∂y/∂x applied to dy: dx = invRms ⊙ (w ⊙ dy − x̂ · mean(x̂ ⊙ w ⊙ dy)), x̂ = x · invRms. */
    public static void backwardInput(Tensor dy, Tensor x, Tensor w, float[] invRms, Tensor dx, boolean accumulate) {
        int n = x.rows(), d = x.cols();
        Checks.sameSize("rmsnorm backward", dy, x);
        Checks.sameSize("rmsnorm backward", dx, x);
        Checks.equal("rmsnorm backward", "weight size", w.size(), d, x, w);
        Checks.equal("rmsnorm backward", "invRms length", invRms.length, n, x);
        float[] dyd = dy.data(), xd = x.data(), wd = w.data(), dxd = dx.data();
        int wo = w.offset();
        rows(n, d, (from, to) -> {
            for (int i = from; i < to; i++) {
                int xo = x.offset() + i * d, go = dy.offset() + i * d, oo = dx.offset() + i * d;
                float inv = invRms[i];
                FloatVector acc = FloatVector.zero(F); // Σ_j dy_j w_j x_j
                int j = 0;
                int bound = F.loopBound(d);
                for (; j < bound; j += F.length()) {
                    FloatVector dyw = FloatVector.fromArray(F, dyd, go + j).mul(FloatVector.fromArray(F, wd, wo + j));
                    acc = dyw.fma(FloatVector.fromArray(F, xd, xo + j), acc);
                }
                float dot = acc.reduceLanes(VectorOperators.ADD);
                for (; j < d; j++) dot += dyd[go + j] * wd[wo + j] * xd[xo + j];
                float coef = dot * inv * inv / d;
                FloatVector vinv = FloatVector.broadcast(F, inv);
                FloatVector vcoef = FloatVector.broadcast(F, coef);
                for (j = 0; j < bound; j += F.length()) {
                    FloatVector dyw = FloatVector.fromArray(F, dyd, go + j).mul(FloatVector.fromArray(F, wd, wo + j));
                    FloatVector g = dyw.sub(FloatVector.fromArray(F, xd, xo + j).mul(vcoef)).mul(vinv);
                    if (accumulate) g = g.add(FloatVector.fromArray(F, dxd, oo + j));
                    g.intoArray(dxd, oo + j);
                }
                for (; j < d; j++) {
                    float g = inv * (dyd[go + j] * wd[wo + j] - xd[xo + j] * coef);
                    dxd[oo + j] = accumulate ? dxd[oo + j] + g : g;
                }
            }
        });
    }

    /**
     * dw += Σ_rows dy ⊙ x̂. A sum over rows into one vector, so threads split the columns, not the rows: each
     * owns a slice of dw and walks every row, with no reduction between threads and the rows added in order.
     */
    public static void backwardWeight(Tensor dy, Tensor x, float[] invRms, Tensor dw) {
        int n = x.rows(), d = x.cols();
        Checks.sameSize("rmsnorm backward", dy, x);
        Checks.equal("rmsnorm backward", "weight gradient size", dw.size(), d, dw, x);
        Checks.equal("rmsnorm backward", "invRms length", invRms.length, n, x);
        float[] dyd = dy.data(), xd = x.data(), dwd = dw.data();
        int dwo = dw.offset();
        Parallel.Range columns = (from, to) -> {
            for (int i = 0; i < n; i++) {
                int xo = x.offset() + i * d, go = dy.offset() + i * d;
                float inv = invRms[i];
                int j = from;
                for (int end = from + F.loopBound(to - from); j < end; j += F.length()) {
                    FloatVector.fromArray(F, dyd, go + j).mul(FloatVector.fromArray(F, xd, xo + j)).mul(inv)
                            .add(FloatVector.fromArray(F, dwd, dwo + j)).intoArray(dwd, dwo + j);
                }
                for (; j < to; j++) dwd[dwo + j] += dyd[go + j] * xd[xo + j] * inv;
            }
        };
        if ((long) n * d < PARALLEL_MIN) {
            columns.run(0, d);
        } else {
            Parallel.current().forRange(d, COLUMN_GRAIN, columns);
        }
    }

    /** Runs body over rows [0, n), split over threads when n · d is large enough to pay for it. */
    private static void rows(int n, int d, Parallel.Range body) {
        if ((long) n * d < PARALLEL_MIN) {
            body.run(0, n);
        } else {
            Parallel.current().forRange(n, Math.max(1, ROW_GRAIN_ELEMENTS / Math.max(1, d)), body);
        }
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
