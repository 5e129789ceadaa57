package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

/** Moving chosen columns between full-width (n, width) and compact (n, k) matrices. */
public final class Gather {
    private Gather() {
    }

    /** out(n,k) = x[:, cols]. */
    public static Tensor columns(Tensor x, Index cols) {
        int n = x.rows(), w = x.cols(), k = cols.size();
        cols.checkBelow(w, "columns of " + x.shape());
        int[] idx = cols.values();
        Tensor out = Tensor.zeros(n, k);
        float[] xd = x.data(), od = out.data();
        for (int i = 0; i < n; i++) {
            int xo = x.offset() + i * w;
            for (int c = 0; c < k; c++) od[i * k + c] = xd[xo + idx[c]];
        }
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
        for (int i = 0; i < n; i++) {
            int oo = out.offset() + i * w;
            for (int c = 0; c < k; c++) od[oo + idx[c]] += xd[xk.offset() + i * k + c];
        }
    }

    /** A full-width copy of x that keeps x[:, cols] and zeroes every other column. */
    public static Tensor keepColumns(Tensor x, Index cols) {
        return scatterColumns(columns(x, cols), cols, x.cols());
    }
}
