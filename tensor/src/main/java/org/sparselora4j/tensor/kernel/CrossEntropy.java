package org.sparselora4j.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * Softmax cross-entropy over rows of logits (n, vocab) against integer targets (n); a negative target marks a
 * row to ignore (no loss, zero gradient). Row i's loss is logZ_i − logits[i, t_i], logZ = max + log Σ e^(x − max).
 * Per-row losses are summed in double, in row order, so the total does not depend on the thread count.
 * <p>
 * The SIMD version reads a labelled row three times: max; e^(x − max) written into dlogits while summing;
 * dlogits scaled by gradScale / Σ. Each logit's exp is computed once. Rows are split over
 * {@link Parallel#current()} when there are enough of them.
 */
public final class CrossEntropy {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Elements per parallel chunk, at least: below this one thread is faster than two. */
    private static final int GRAIN_ELEMENTS = 1 << 15;
    /** Vectors summed in float before the partial sum moves into a double. */
    private static final int BLOCK = 64;

    private CrossEntropy() {
    }

    /** Σ over labelled rows of −log softmax(logits)[target]. */
    public static double lossSum(Tensor logits, int[] targets) {
        return lossAndGrad(logits, targets, null, 0f);
    }

    /**
     * The summed loss, and (when {@code dlogits} is not null) dlogits = gradScale · (softmax − onehot) on
     * labelled rows and 0 on ignored rows, overwritten. dlogits may be logits itself, which saves a
     * (tokens, vocab) buffer: each element is read before it is written.
     */
    public static double lossAndGrad(Tensor logits, int[] targets, Tensor dlogits, float gradScale) {
        int n = logits.rows(), v = logits.cols();
        check(logits, targets, dlogits);
        double[] rowLoss = new double[n];
        int grain = Math.max(1, GRAIN_ELEMENTS / Math.max(1, v));
        Parallel.current().forRange(n, grain, (from, to) -> {
            for (int i = from; i < to; i++) rowLoss[i] = row(logits, targets[i], dlogits, gradScale, i);
        });
        double total = 0;
        for (double loss : rowLoss) total += loss;
        return total;
    }

    /** Shapes and targets, all checked before any row is touched. */
    private static void check(Tensor logits, int[] targets, Tensor dlogits) {
        int n = logits.rows(), v = logits.cols();
        Checks.equal("crossEntropy", "targets", targets.length, n, logits);
        if (dlogits != null) Checks.sameSize("crossEntropy", logits, dlogits);
        for (int i = 0; i < n; i++) {
            if (targets[i] >= v) throw new IndexOutOfBoundsException("target " + targets[i] + " at row " + i + " is outside vocabulary " + v);
        }
    }

    /** Loss of row i (0 when ignored); writes that row of dlogits when it is not null. */
    private static double row(Tensor logits, int t, Tensor dlogits, float gradScale, int i) {
        int v = logits.cols();
        float[] x = logits.data();
        int xo = logits.offset() + i * v;
        float[] g = dlogits == null ? null : dlogits.data();
        int go = dlogits == null ? 0 : dlogits.offset() + i * v;
        if (t < 0) {
            if (g != null) Arrays.fill(g, go, go + v, 0f);
            return 0;
        }
        float target = x[xo + t]; // read before dlogits is written: it may be the logits themselves
        float max = Reduce.max(x, xo, v);
        double sum = expSum(x, xo, g, go, v, max);
        if (g != null) {
            scale(g, go, v, (float) (gradScale / sum));
            g[go + t] -= gradScale;
        }
        return max + Math.log(sum) - target;
    }

    /**
     * Σ e^(x − max) over one row, and g = e^(x − max) when g is not null. Lanes accumulate in float for at
     * most {@link #BLOCK} vectors, then go into a double, so a 32000-wide row keeps about 1e-7 relative error.
     */
    private static double expSum(float[] x, int xo, float[] g, int go, int v, float max) {
        FloatVector vmax = FloatVector.broadcast(F, max);
        double sum = 0;
        int bound = F.loopBound(v);
        int j = 0;
        while (j < bound) {
            int blockEnd = Math.min(bound, j + BLOCK * F.length());
            FloatVector acc = FloatVector.zero(F);
            if (g == null) {
                for (; j < blockEnd; j += F.length()) {
                    acc = acc.add(Exp.exp(FloatVector.fromArray(F, x, xo + j).sub(vmax)));
                }
            } else {
                for (; j < blockEnd; j += F.length()) {
                    FloatVector e = Exp.exp(FloatVector.fromArray(F, x, xo + j).sub(vmax));
                    e.intoArray(g, go + j);
                    acc = acc.add(e);
                }
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < v; j++) {
            float e = Exp.expScalar(x[xo + j] - max);
            if (g != null) g[go + j] = e;
            sum += e;
        }
        return sum;
    }

    /** g[go, go+v) *= s. */
    private static void scale(float[] g, int go, int v, float s) {
        int j = 0;
        for (int end = F.loopBound(v); j < end; j += F.length()) {
            FloatVector.fromArray(F, g, go + j).mul(s).intoArray(g, go + j);
        }
        for (; j < v; j++) g[go + j] *= s;
    }

    /** The definition of {@link #lossAndGrad}: one thread, {@link Math#exp} and double sums. */
    public static double lossAndGradScalar(Tensor logits, int[] targets, Tensor dlogits, float gradScale) {
        int n = logits.rows(), v = logits.cols();
        Checks.equal("crossEntropy", "targets", targets.length, n, logits);
        if (dlogits != null) Checks.sameSize("crossEntropy", logits, dlogits);
        float[] ld = logits.data();
        double total = 0;
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            int lo = logits.offset() + i * v;
            if (t < 0) {
                if (dlogits != null) Arrays.fill(dlogits.data(), dlogits.offset() + i * v, dlogits.offset() + (i + 1) * v, 0f);
                continue;
            }
            if (t >= v) throw new IndexOutOfBoundsException("target " + t + " at row " + i + " is outside vocabulary " + v);
            float max = Reduce.maxScalar(ld, lo, v);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.exp(ld[lo + j] - max);
            double logZ = max + Math.log(sum);
            total += logZ - ld[lo + t];
            if (dlogits != null) {
                float[] gd = dlogits.data();
                int go = dlogits.offset() + i * v;
                for (int j = 0; j < v; j++) gd[go + j] = (float) (Math.exp(ld[lo + j] - logZ)) * gradScale;
                gd[go + t] -= gradScale;
            }
        }
        return total;
    }

    /** The definition of {@link #lossSum}. */
    public static double lossSumScalar(Tensor logits, int[] targets) {
        return lossAndGradScalar(logits, targets, null, 0f);
    }
}
