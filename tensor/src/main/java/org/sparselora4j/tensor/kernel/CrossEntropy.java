package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/**
 * Softmax cross-entropy over rows of logits (n, vocab) against integer targets; a negative target marks a
 * row to ignore (no loss, zero gradient). Sums are in double so long sequences do not lose the loss.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    /** Σ over labelled rows of −log softmax(logits)[target]. */
    public static double lossSum(Tensor logits, int[] targets) {
        return lossAndGrad(logits, targets, null, 0f);
    }

    /**
     * The summed loss, and (when {@code dlogits} is not null) dlogits = gradScale · (softmax − onehot) on
     * labelled rows and 0 on ignored rows, overwritten.
     */
    public static double lossAndGrad(Tensor logits, int[] targets, Tensor dlogits, float gradScale) {
        int n = logits.rows(), v = logits.cols();
        Checks.equal("crossEntropy", "targets", targets.length, n, logits);
        if (dlogits != null) Checks.sameSize("crossEntropy", logits, dlogits);
        float[] ld = logits.data();
        double total = 0;
        for (int i = 0; i < n; i++) {
            int t = targets[i];
            int lo = logits.offset() + i * v;
            if (t < 0) {
                if (dlogits != null) java.util.Arrays.fill(dlogits.data(), dlogits.offset() + i * v, dlogits.offset() + (i + 1) * v, 0f);
                continue;
            }
            if (t >= v) throw new IndexOutOfBoundsException("target " + t + " at row " + i + " is outside vocabulary " + v);
            float max = Reduce.max(ld, lo, v);
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
}
