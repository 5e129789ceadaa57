package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.CrossEntropy;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.Gather;
import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.LowRank;
import org.sparselora4j.tensor.kernel.MatMul;

/**
 * Differentiable matrix products: the dense linear layer and matmuls in the other layouts, SparseLoRA's
 * gathered linears over a subset of a weight's rows or columns, and the column gather/scatter between them.
 * Every gradient goes straight into the input's gradient buffer through the kernels' {@code accumulate} mode;
 * a frozen weight gets no {@code dw} work at all. The overloads that take a {@link Backend} are for frozen
 * weights only (the base projections of LoRA and SparseLoRA, and their classifier): the backend may keep a copy
 * of the weight (on a device, or packed for the GEMM), which a trainable weight would leave stale, so they refuse
 * a weight that requires a gradient.
 */
public final class LinearOps {
    private LinearOps() {
    }

    /** y = x · wᵀ.  x: (n, in), w: (out, in) → y: (n, out). */
    public static Var linear(Var x, Var w) {
        Tensor y = MatMul.abT(x.value(), w.value());
        return Var.op(y, dy -> {
            if (x.requiresGrad()) MatMul.ab(dy, w.value(), x.gradBuffer(), true);   // dx = dy · w     (n, in)
            if (w.requiresGrad()) MatMul.aTb(dy, x.value(), w.gradBuffer(), true);  // dw = dyᵀ · x    (out, in)
        }, x, w);
    }

    /**
     * y = x · wᵀ on {@code backend}, w frozen.  x: (n, in), w: (out, in) → y: (n, out). With {@link Backend#cpu()}
     * the same kernels, and so the same bits, as {@link #linear(Var, Var)}.
     */
    public static Var linear(Var x, Var w, Backend backend) {
        requireFrozen(w, "linear");
        Tensor y = StepArena.uninitialized(x.rows(), w.rows());
        backend.abT(x.value(), w.value(), y, false);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) addInputGradient(dy, w, backend, x);                 // dx = dy · w     (n, in)
        }, x, w);
    }

    /**
     * A classifier and its loss as one op: Σ over labelled rows of cross-entropy(x · wᵀ, targets) / normalizer, a
     * one-element result; x (n, in), w (vocab, in), targets (n) with −1 for an unlabelled row. The value equals
     * {@code Ops.crossEntropy(linear(x, w), targets, normalizer)}; the difference is memory and passes over the
     * (n, vocab) logits. When a gradient is needed the forward turns the logits in place into
     * dlogits = (softmax − onehot) / normalizer and multiplies them out at once (dx = dlogits · w, and
     * dw = dlogitsᵀ · x if w trains), so the logits die with the forward instead of living through the whole
     * backward, no second (n, vocab) buffer is allocated, and the backward does not recompute the softmax. The
     * backward only scales those results by the upstream gradient.
     */
    public static Var linearCrossEntropy(Var x, Var w, int[] targets, float normalizer) {
        return crossEntropyOn(Backend.cpu(), x, w, targets, normalizer);
    }

    /**
     * {@link #linearCrossEntropy(Var, Var, int[], float)} with the classifier w frozen and its products (x·wᵀ and
     * dlogits·w) on {@code backend}.
     */
    public static Var linearCrossEntropy(Var x, Var w, int[] targets, float normalizer, Backend backend) {
        requireFrozen(w, "linearCrossEntropy");
        return crossEntropyOn(backend, x, w, targets, normalizer);
    }

    private static Var crossEntropyOn(Backend backend, Var x, Var w, int[] targets, float normalizer) {
        if (targets.length != x.rows()) throw new IllegalArgumentException(targets.length + " targets for " + x.rows() + " rows");
        int[] tg = targets.clone();
        float inv = 1f / normalizer;
        Tensor logits = StepArena.uninitialized(x.rows(), w.rows());            // (n, vocab)
        backend.abT(x.value(), w.value(), logits, false);
        if (!Tape.isRecording() || !Var.anyRequiresGrad(x, w)) {
            return Var.op(Tensor.of(new float[] {(float) (CrossEntropy.lossSum(logits, tg) * inv)}, 1), dy -> { }, x, w);
        }
        // One pass for loss and gradient, in place (the kernel reads each logit before writing its gradient).
        Tensor loss = Tensor.of(new float[] {(float) (CrossEntropy.lossAndGrad(logits, tg, logits, inv) * inv)}, 1);
        Tensor dx = x.requiresGrad() ? StepArena.uninitialized(x.rows(), x.cols()) : null; // (n, in)
        if (dx != null) backend.ab(logits, w.value(), dx, false);
        Tensor dw = w.requiresGrad() ? MatMul.aTb(logits, x.value()) : null;   // (vocab, in)
        StepArena.giveBack(logits);                                             // read by nothing after this
        return Var.op(loss, dy -> {
            float scale = dy.data()[dy.offset()];
            if (dx != null) Elementwise.axpy(scale, dx, x.gradBuffer());
            if (dw != null) Elementwise.axpy(scale, dw, w.gradBuffer());
        }, x, w);
    }

    /** y = a · b.  a: (m, k), b: (k, n) → y: (m, n). */
    public static Var matmul(Var a, Var b) {
        Tensor y = MatMul.ab(a.value(), b.value());
        return Var.op(y, dy -> {
            if (a.requiresGrad()) MatMul.abT(dy, b.value(), a.gradBuffer(), true);  // da = dy · bᵀ    (m, k)
            if (b.requiresGrad()) MatMul.aTb(a.value(), dy, b.gradBuffer(), true);  // db = aᵀ · dy    (k, n)
        }, a, b);
    }

    /** y = aᵀ · b.  a: (k, m), b: (k, n) → y: (m, n). */
    public static Var matmulTransposedA(Var a, Var b) {
        Tensor y = MatMul.aTb(a.value(), b.value());
        return Var.op(y, dy -> {
            if (a.requiresGrad()) MatMul.abT(b.value(), dy, a.gradBuffer(), true);  // da = b · dyᵀ    (k, m)
            if (b.requiresGrad()) MatMul.ab(a.value(), dy, b.gradBuffer(), true);   // db = a · dy     (k, n)
        }, a, b);
    }

    /**
     * Only the chosen output channels: y = x · w[rows]ᵀ.  x: (n, in), w: (out, in), rows: k of out → y: (n, k).
     * dx = dy · w[rows]; if w trains, dw[rows] += dyᵀ · x (other rows untouched).
     */
    public static Var linearRows(Var x, Var w, Index rows) {
        Tensor y = GatheredMatMul.rowsAbT(x.value(), w.value(), rows);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) GatheredMatMul.rowsAb(dy, w.value(), rows, x.gradBuffer(), true);
            if (w.requiresGrad()) {
                Tensor dwk = MatMul.aTb(dy, x.value()); // (k, in)
                Tensor dw = w.gradBuffer();
                for (int j = 0; j < rows.size(); j++) Elementwise.axpy(1f, dwk.row(j), dw.row(rows.get(j)));
            }
        }, x, w);
    }

    /** {@link #linearRows(Var, Var, Index)} on {@code backend}, w frozen: y = x · w[rows]ᵀ, dx = dy · w[rows]. */
    public static Var linearRows(Var x, Var w, Index rows, Backend backend) {
        requireFrozen(w, "linearRows");
        Tensor y = Tensor.zeros(x.rows(), rows.size());
        backend.rowsAbT(x.value(), w.value(), rows, y, false);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) backend.rowsAb(dy, w.value(), rows, x.gradBuffer(), true);
        }, x, w);
    }

    /**
     * Only the chosen input channels: y = x[:, cols] · w[:, cols]ᵀ.  w: (out, in), cols: k of in → y: (n, out).
     * x is full width (n, in), or already compact (n, k) with {@code compactInput}. dx[:, cols] = dy · w[:, cols]
     * (zero on the other columns of a full-width x); if w trains, dw[:, cols] += dyᵀ · x[:, cols].
     */
    public static Var linearCols(Var x, Var w, Index cols, boolean compactInput) {
        Tensor y = GatheredMatMul.colsAbT(x.value(), w.value(), cols, compactInput);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) {
                if (compactInput) {
                    GatheredMatMul.colsAb(dy, w.value(), cols, x.gradBuffer(), true);
                } else {
                    Gather.scatterAddColumns(GatheredMatMul.colsAb(dy, w.value(), cols), cols, x.gradBuffer());
                }
            }
            if (w.requiresGrad()) {
                Tensor xk = compactInput ? x.value() : Gather.columns(x.value(), cols); // (n, k)
                Gather.scatterAddColumns(MatMul.aTb(dy, xk), cols, w.gradBuffer());   // (out, k) into (out, in)
            }
        }, x, w);
    }

    /**
     * {@link #linearCols(Var, Var, Index, boolean)} on {@code backend}, w frozen: y = x[:, cols] · w[:, cols]ᵀ,
     * dx[:, cols] = dy · w[:, cols].
     */
    public static Var linearCols(Var x, Var w, Index cols, boolean compactInput, Backend backend) {
        requireFrozen(w, "linearCols");
        Tensor y = Tensor.zeros(x.rows(), w.rows());
        backend.colsAbT(x.value(), w.value(), cols, compactInput, y, false);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) addColsInputGradient(dy, w, cols, compactInput, backend, x);
        }, x, w);
    }

    /**
     * dx (+)= dy · w on {@code backend}: written straight into x's gradient where it has none yet (no zeroing
     * first), added onto it otherwise.
     */
    static void addInputGradient(Tensor dy, Var w, Backend backend, Var x) {
        boolean fresh = x.grad() == null;
        backend.ab(dy, w.value(), fresh ? x.freshGradBuffer() : x.gradBuffer(), !fresh);
    }

    /**
     * x's gradient from a product on w's kept input channels: dx[:, cols] += dy · w[:, cols] (on {@code backend}),
     * or dx += it where x is compact (n, k).
     */
    private static void addColsInputGradient(Tensor dy, Var w, Index cols, boolean compactInput, Backend backend, Var x) {
        if (compactInput) {
            backend.colsAb(dy, w.value(), cols, x.gradBuffer(), true);
        } else {
            Tensor dxk = Tensor.zeros(dy.rows(), cols.size()); // (n, k)
            backend.colsAb(dy, w.value(), cols, dxk, false);
            Gather.scatterAddColumns(dxk, cols, x.gradBuffer());
        }
    }

    /**
     * y = x · wᵀ + u · bᵀ with w frozen (on {@code backend}): a LoRA layer's output, its low-rank term (u = the
     * scaled down-projection (n, r), b (out, r)) added by the GEMM's accumulate mode into the base product's
     * tensor, so the layer makes one (n, out) tensor, not three, and its backward hands dy to both terms without
     * copying it. dx = dy · w (on the backend); du = dy · b; db = dyᵀ · u.
     */
    public static Var linearPlusLowRank(Var x, Var w, Backend backend, Var u, Var b) {
        requireFrozen(w, "linearPlusLowRank");
        Tensor y = StepArena.uninitialized(x.rows(), w.rows());
        backend.abT(x.value(), w.value(), y, false);
        Tensor bt = LowRank.transpose(b.value());                                // (r, out)
        LowRank.expand(u.value(), bt, y);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) addInputGradient(dy, w, backend, x);
            lowRankBackward(dy, u, b, bt);
        }, x, w, u, b);
    }

    /**
     * y = x[:, cols] · w[:, cols]ᵀ + u · bᵀ with w frozen (on {@code backend}): SparseLoRA's down or o projection of
     * the sparse tokens, its base on the kept input channels and its dense LoRA term in one (n, out) tensor, as
     * {@link #linearPlusLowRank} is for the dense path (no copy of the base result for {@link #addLowRank}).
     * x is full width (n, in), or compact (n, k) with {@code compactInput}. dx[:, cols] = dy · w[:, cols];
     * du = dy · b; db = dyᵀ · u.
     */
    public static Var linearColsPlusLowRank(Var x, Var w, Index cols, boolean compactInput, Backend backend, Var u, Var b) {
        requireFrozen(w, "linearColsPlusLowRank");
        Tensor y = StepArena.uninitialized(x.rows(), w.rows());
        backend.colsAbT(x.value(), w.value(), cols, compactInput, y, false);
        Tensor bt = LowRank.transpose(b.value());                                // (r, out)
        LowRank.expand(u.value(), bt, y);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) addColsInputGradient(dy, w, cols, compactInput, backend, x);
            lowRankBackward(dy, u, b, bt);
        }, x, w, u, b);
    }

    /**
     * y = base + u · bᵀ: a low-rank term added onto a result already made (SparseLoRA's scattered or gathered
     * base), in one copy of it and the GEMM's accumulate mode. dbase = dy; du = dy · b; db = dyᵀ · u.
     */
    public static Var addLowRank(Var base, Var u, Var b) {
        Tensor y = base.value().copy();
        Tensor bt = LowRank.transpose(b.value());
        LowRank.expand(u.value(), bt, y);
        return Var.op(y, dy -> {
            if (base.requiresGrad()) base.accumulate(dy);
            lowRankBackward(dy, u, b, bt);
        }, base, u, b);
    }

    /**
     * y (n, width) = scatter(compact, cols) + u · bᵀ: SparseLoRA's base on the kept output channels (zero on the
     * others) plus the dense low-rank LoRA term, in one tensor: the low-rank product written first, the kept
     * channels added into it. dcompact = dy[:, cols]; du = dy · b; db = dyᵀ · u.
     */
    public static Var scatterPlusLowRank(Var compact, Index cols, int width, Var u, Var b) {
        Tensor y = Tensor.zeros(compact.rows(), width);
        Tensor bt = LowRank.transpose(b.value());
        LowRank.expand(u.value(), bt, y);
        Gather.scatterAddColumns(compact.value(), cols, y);
        return Var.op(y, dy -> {
            if (compact.requiresGrad()) Elementwise.axpy(1f, Gather.columns(dy, cols), compact.gradBuffer());
            lowRankBackward(dy, u, b, bt);
        }, compact, u, b);
    }

    /**
     * du += dy · b (n, r) and db += dyᵀ · u (out, r), each one pass over dy with the rank-r kernels; bt = bᵀ (r, out)
     * as the forward made it (b does not change between a forward and its backward).
     */
    static void lowRankBackward(Tensor dy, Var u, Var b, Tensor bt) {
        if (u.requiresGrad()) LowRank.project(dy, bt, 1f, u.gradBuffer(), true);
        if (b.requiresGrad()) {
            Tensor dbt = Tensor.zeros(bt.rows(), bt.cols());                      // (r, out)
            LowRank.gradient(u.value(), dy, dbt);
            Tensor db = b.gradBuffer();
            float[] g = db.data(), t = dbt.data();
            int out = db.rows(), r = db.cols(), o = db.offset();
            for (int j = 0; j < out; j++) for (int q = 0; q < r; q++) g[o + j * r + q] += t[q * out + j];
        }
    }

    /**
     * u = s · x · aᵀ (n, r): a LoRA down-projection with its scale, on the rank-r kernels (one pass over x) rather
     * than the GEMM, whose register tiles a product r = 8 columns wide would mostly pad. x (n, in), a (r, in).
     * dx += s · du · a; da += s · duᵀ · x.
     */
    public static Var lowRankDown(Var x, Var a, float s) {
        if (a.cols() != x.cols()) throw new IllegalArgumentException("lowRankDown: factor " + a.shape() + " for input " + x.shape());
        Tensor u = Tensor.zeros(x.rows(), a.rows());
        LowRank.project(x.value(), a.value(), s, u, false);
        return Var.op(u, du -> {
            Tensor scaled = Tensor.zeros(du.rows(), du.cols());
            Elementwise.scale(du, s, scaled);
            if (x.requiresGrad()) LowRank.expand(scaled, a.value(), x.gradBuffer());
            if (a.requiresGrad()) LowRank.gradient(scaled, x.value(), a.gradBuffer());
        }, x, a);
    }

    /**
     * u_i = s_i · x · a_iᵀ (n, r_i) for several LoRA factors a_i (r_i, in) over one input x (q, k and v; gate and
     * up): the factors stacked (each scaled by its s_i) into one (Σr, in) factor, so x is read once for all of them
     * and, in backward, dx and x once for all the factors' gradients. The same values as {@link #lowRankDown} per
     * factor; each u_i is its own var (a copy of its columns of the stacked product, n x r_i floats).
     */
    public static Var[] lowRankDownShared(Var x, Var[] as, float[] scales) {
        if (as.length != scales.length) throw new IllegalArgumentException(as.length + " factors but " + scales.length + " scales");
        int c = x.cols(), total = 0;
        int[] starts = new int[as.length + 1];
        for (int i = 0; i < as.length; i++) {
            if (as[i].cols() != c) throw new IllegalArgumentException("lowRankDownShared: factor " + as[i].shape() + " for input " + x.shape());
            starts[i] = total;
            total += as[i].rows();
        }
        starts[as.length] = total;
        int rank = total;
        Tensor stacked = Tensor.zeros(rank, c);                                 // rows of s_i · a_i
        for (int i = 0; i < as.length; i++) Elementwise.scale(as[i].value(), scales[i], stacked.rows(starts[i], starts[i + 1]));
        Tensor all = Tensor.zeros(x.rows(), rank);
        LowRank.project(x.value(), stacked, 1f, all, false);
        Var u = Var.op(all, du -> {
            if (x.requiresGrad()) LowRank.expand(du, stacked, x.gradBuffer());
            boolean anyFactor = false;
            for (Var a : as) anyFactor |= a.requiresGrad();
            if (!anyFactor) return;
            Tensor g = Tensor.zeros(rank, c);                                    // Σ over rows of du ⊗ x
            LowRank.gradient(du, x.value(), g);
            for (int i = 0; i < as.length; i++) {
                if (as[i].requiresGrad()) Elementwise.axpy(scales[i], g.rows(starts[i], starts[i + 1]), as[i].gradBuffer());
            }
        }, concat(x, as));
        Var[] parts = new Var[as.length];
        for (int i = 0; i < as.length; i++) parts[i] = columnBlock(u, starts[i], starts[i + 1] - starts[i]);
        return parts;
    }

    /** Columns [from, from + width) of x (n, d) as a fresh (n, width) var. */
    static Var columnBlock(Var x, int from, int width) {
        int n = x.rows(), d = x.cols();
        Tensor y = Tensor.zeros(n, width);
        float[] xd = x.value().data(), yd = y.data();
        int xo = x.value().offset();
        for (int i = 0; i < n; i++) System.arraycopy(xd, xo + i * d + from, yd, i * width, width);
        return Var.op(y, dy -> {
            if (!x.requiresGrad()) return;
            float[] g = x.gradBuffer().data(), t = dy.data();
            int go = x.gradBuffer().offset(), to = dy.offset();
            for (int i = 0; i < n; i++) for (int j = 0; j < width; j++) g[go + i * d + from + j] += t[to + i * width + j];
        }, x);
    }

    private static Var[] concat(Var x, Var[] rest) {
        Var[] all = new Var[rest.length + 1];
        all[0] = x;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** A backend may cache a weight on its device; a trainable one would change under it. */
    private static void requireFrozen(Var w, String op) {
        if (w.requiresGrad()) {
            throw new IllegalArgumentException(op + " on a backend takes a frozen weight only, got a trainable " + w.shape()
                    + " (a device copy of it would go stale after the optimizer step)");
        }
    }

    /** y = x[:, cols].  x: (n, width) → y: (n, k). The adjoint of {@link #scatterColumns}. */
    public static Var gatherColumns(Var x, Index cols) {
        Tensor y = Gather.columns(x.value(), cols);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) Gather.scatterAddColumns(dy, cols, x.gradBuffer());
        }, x);
    }

    /** y (n, width) = 0 except y[:, cols] = xk (n, k). The adjoint of {@link #gatherColumns}. */
    public static Var scatterColumns(Var xk, Index cols, int width) {
        Tensor y = Gather.scatterColumns(xk.value(), cols, width);
        return Var.op(y, dy -> {
            if (xk.requiresGrad()) Elementwise.axpy(1f, Gather.columns(dy, cols), xk.gradBuffer());
        }, xk);
    }
}
