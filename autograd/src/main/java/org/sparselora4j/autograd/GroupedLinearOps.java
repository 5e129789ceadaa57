package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.Gather;
import org.sparselora4j.tensor.kernel.LowRank;

/**
 * A SparseLoRA projection over a whole batch whose first {@code ns} rows are the sparse token group and the
 * others the dense group (one sequence with its output tokens at the end): the sparse rows take the frozen base
 * on the kept channels only, the dense rows the whole base, and every row the dense LoRA term u·bᵀ, all written
 * into one (n, out) tensor. The same values as splitting x into the two groups, running each group's
 * projection and stacking the results, without the split and the stack (their copies and, in backward, their
 * row adds), and with one LoRA down-projection u over every row instead of one per group. w is frozen (on
 * {@code backend}); u (n, r) and b (out, r) are both null for a projection without LoRA.
 */
public final class GroupedLinearOps {
    private GroupedLinearOps() {
    }

    /**
     * y (n, out): rows [0, ns) = x·w[rows]ᵀ scattered to the kept output channels (zero on the others), rows
     * [ns, n) = x·wᵀ, plus u·bᵀ on every row. dx = dy[:, rows]·w[rows] on the sparse rows, dy·w on the dense
     * ones; du = dy·b; db = dyᵀ·u.
     */
    public static Var rowsThenDense(Var x, int ns, Var w, Index rows, Backend backend, Var u, Var b) {
        int n = checkArgs("rowsThenDense", x, ns, w, w.cols(), u, b);
        Tensor xv = x.value().reshape(n, x.cols()), wv = w.value();
        Tensor y = StepArena.uninitialized(n, w.rows());
        if (ns > 0) {
            Tensor yk = Tensor.zeros(ns, rows.size());
            backend.rowsAbT(xv.rows(0, ns), wv, rows, yk, false);
            Elementwise.fill(y.rows(0, ns), 0f);
            Gather.scatterAddColumns(yk, rows, y.rows(0, ns));
        }
        if (ns < n) backend.abT(xv.rows(ns, n), wv, y.rows(ns, n), false);
        Tensor bt = u == null ? null : LowRank.transpose(b.value());          // (r, out)
        if (u != null) LowRank.expand(u.value(), bt, y);
        return Var.op(y, dy -> {
            Tensor g = dy.reshape(n, w.rows());
            if (x.requiresGrad()) {
                // Both products write whole rows, so a first gradient is written in place, not added onto zeros.
                boolean fresh = x.grad() == null;
                Tensor dx = (fresh ? x.freshGradBuffer() : x.gradBuffer()).reshape(n, x.cols());
                if (ns > 0) backend.rowsAb(Gather.columns(g.rows(0, ns), rows), wv, rows, dx.rows(0, ns), !fresh);
                if (ns < n) backend.ab(g.rows(ns, n), wv, dx.rows(ns, n), !fresh);
            }
            if (u != null) LinearOps.lowRankBackward(g, u, b, bt);
        }, parents(x, w, u, b));
    }

    /**
     * y (n, out): rows [0, ns) = x[:, cols]·w[:, cols]ᵀ (the base on the kept input channels of a full-width x),
     * rows [ns, n) = x·wᵀ, plus u·bᵀ on every row. dx[:, cols] = dy·w[:, cols] on the sparse rows (zero on the
     * other columns), dx = dy·w on the dense ones; du = dy·b; db = dyᵀ·u.
     */
    public static Var colsThenDense(Var x, int ns, Var w, Index cols, Backend backend, Var u, Var b) {
        int n = checkArgs("colsThenDense", x, ns, w, w.cols(), u, b);
        Tensor xv = x.value().reshape(n, x.cols()), wv = w.value();
        Tensor y = StepArena.uninitialized(n, w.rows());
        if (ns > 0) backend.colsAbT(xv.rows(0, ns), wv, cols, false, y.rows(0, ns), false);
        if (ns < n) backend.abT(xv.rows(ns, n), wv, y.rows(ns, n), false);
        Tensor bt = u == null ? null : LowRank.transpose(b.value());          // (r, out)
        if (u != null) LowRank.expand(u.value(), bt, y);
        return Var.op(y, dy -> {
            Tensor g = dy.reshape(n, w.rows());
            if (x.requiresGrad()) {
                Tensor dx = x.gradBuffer().reshape(n, x.cols());
                if (ns > 0) {
                    Tensor dxk = Tensor.zeros(ns, cols.size());                  // (ns, k)
                    backend.colsAb(g.rows(0, ns), wv, cols, dxk, false);
                    Gather.scatterAddColumns(dxk, cols, dx.rows(0, ns));
                }
                if (ns < n) backend.ab(g.rows(ns, n), wv, dx.rows(ns, n), true);
            }
            if (u != null) LinearOps.lowRankBackward(g, u, b, bt);
        }, parents(x, w, u, b));
    }

    /** Checks the operands; returns n, x's rows. */
    private static int checkArgs(String op, Var x, int ns, Var w, int in, Var u, Var b) {
        if (w.requiresGrad()) throw new IllegalArgumentException(op + " takes a frozen weight only, got a trainable " + w.shape());
        int n = x.rows();
        if (x.cols() != in) throw new IllegalArgumentException(op + ": input " + x.shape() + " for weight " + w.shape());
        if (ns < 0 || ns > n) throw new IllegalArgumentException(op + ": " + ns + " sparse rows of " + n);
        if ((u == null) != (b == null)) throw new IllegalArgumentException(op + ": u and b go together");
        if (u != null && (u.rows() != n || b.rows() != w.rows() || b.cols() != u.cols())) {
            throw new IllegalArgumentException(op + ": low-rank u " + u.shape() + " and b " + b.shape() + " for " + n + " rows of weight " + w.shape());
        }
        return n;
    }

    private static Var[] parents(Var x, Var w, Var u, Var b) {
        return u == null ? new Var[] {x, w} : new Var[] {x, w, u, b};
    }
}
