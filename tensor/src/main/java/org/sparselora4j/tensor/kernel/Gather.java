package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * Moving chosen columns between full-width (n, width) and compact (n, k) matrices. Moves of at least
 * {@link #PARALLEL_MIN} elements split their rows over {@link Parallel#current()} (each kept element of a row lies
 * on its own cache line of the full-width side, so a move of 384 x 48 touches 18K lines).
 */
public final class Gather {
    /** Elements moved below which a move runs on the calling thread. */
    static final int PARALLEL_MIN = 1 << 13;

    private Gather() {
    }

    private static void rows(int n, int k, Parallel.Range body) {
        if ((long) n * k < PARALLEL_MIN) body.run(0, n);
        else Parallel.current().forRange(n, Math.max(1, PARALLEL_MIN / 2 / Math.max(1, k)), body);
    }

    /** out(n,k) = x[:, cols]. */
    public static Tensor columns(Tensor x, Index cols) {
        int n = x.rows(), w = x.cols(), k = cols.size();
        cols.checkBelow(w, "columns of " + x.shape());
        int[] idx = cols.values();
        Tensor out = Tensor.zeros(n, k);
        float[] xd = x.data(), od = out.data();
        int xOff = x.offset();
        rows(n, k, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int xo = xOff + i * w;
                for (int c = 0; c < k; c++) od[i * k + c] = xd[xo + idx[c]];
            }
        });
        return out;
    }

    /** out(n,width) = 0 except out[:, cols] = xk. */
    public static Tensor scatterColumns(Tensor xk, Index cols, int width) {
        Tensor out = Tensor.zeros(xk.rows(), width);
        scatterAddColumns(xk, cols, out);
        return out;
    }

    /** out[:, cols] += xk, with out (n, width) and xk (n, k). */
    public static void scatterAddColumns(Tensor xk, Index cols, Tensor out) {
        int n = xk.rows(), k = cols.size(), w = out.cols();
        Checks.equal("scatterAddColumns", "compact width", xk.cols(), k, xk, out);
        Checks.equal("scatterAddColumns", "rows", out.rows(), n, xk, out);
        cols.checkBelow(w, "columns of " + out.shape());
        int[] idx = cols.values();
        float[] xd = xk.data(), od = out.data();
        int oOff = out.offset(), xOff = xk.offset();
        rows(n, k, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                int oo = oOff + i * w, xo = xOff + i * k;
                for (int c = 0; c < k; c++) od[oo + idx[c]] += xd[xo + c];
            }
        });
    }

    /** A full-width copy of x that keeps x[:, cols] and zeroes every other column. */
    public static Tensor keepColumns(Tensor x, Index cols) {
        return scatterColumns(columns(x, cols), cols, x.cols());
    }
}
