package org.sparselora4j.autograd;

import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.CrossEntropy;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.RmsNorm;
import org.sparselora4j.tensor.kernel.Rope;
import org.sparselora4j.tensor.kernel.SwiGlu;

/**
 * Differentiable elementwise ops, normalization, activation, embedding and loss: one static method each, the
 * backward closure beside the forward. Each closure accumulates ({@code +=}) into the inputs that require a
 * gradient and does no work for the others. Linear layers are in {@link LinearOps}, row moves in
 * {@link RowOps}, attention in {@link AttentionOps}.
 */
public final class Ops {
    private Ops() {
    }

    /** y = a + b (same size; y has a's shape). */
    public static Var add(Var a, Var b) {
        Tensor y = StepArena.uninitialized(a.shape());
        Elementwise.add(a.value(), b.value(), y);
        return Var.op(y, dy -> {
            if (a.requiresGrad()) a.accumulate(dy);
            if (b.requiresGrad()) b.accumulate(dy);
        }, a, b);
    }

    /** y = x + b on every row: x (n, d), b (d), as a projection's bias adds; db = Σ over rows of dy. */
    public static Var addBias(Var x, Var b) {
        int n = x.rows(), d = x.cols();
        if (b.value().size() != d) throw new IllegalArgumentException("bias of " + b.value().size() + " for rows of " + d);
        Tensor bias = b.value().reshape(d);
        Tensor y = Tensor.zeros(n, d);
        for (int r = 0; r < n; r++) Elementwise.add(x.value().row(r), bias, y.row(r));
        return Var.op(y, dy -> {
            if (x.requiresGrad()) x.accumulate(dy);
            if (b.requiresGrad()) {
                Tensor db = b.gradBuffer().reshape(d);
                for (int r = 0; r < n; r++) Elementwise.add(db, dy.row(r), db);
            }
        }, x, b);
    }

    /** y = a − b (same size; y has a's shape). */
    public static Var sub(Var a, Var b) {
        Tensor y = a.value().copy();
        Elementwise.axpy(-1f, b.value(), y);
        return Var.op(y, dy -> {
            if (a.requiresGrad()) Elementwise.axpy(1f, dy, a.gradBuffer());
            if (b.requiresGrad()) Elementwise.axpy(-1f, dy, b.gradBuffer());
        }, a, b);
    }

    /** y = a ⊙ b (same size). */
    public static Var mul(Var a, Var b) {
        Tensor y = Tensor.zeros(a.shape());
        Elementwise.mul(a.value(), b.value(), y);
        return Var.op(y, dy -> {
            if (a.requiresGrad()) addProduct(dy, b.value(), a.gradBuffer()); // da = dy ⊙ b
            if (b.requiresGrad()) addProduct(dy, a.value(), b.gradBuffer()); // db = dy ⊙ a
        }, a, b);
    }

    /** y = s · x. */
    public static Var scale(Var x, float s) {
        Tensor y = Tensor.zeros(x.shape());
        Elementwise.scale(x.value(), s, y);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) Elementwise.axpy(s, dy, x.gradBuffer());
        }, x);
    }

    /** y = Σ x, a one-element tensor. */
    public static Var sum(Var x) {
        float[] xd = x.value().data();
        int off = x.value().offset();
        double s = 0;
        for (int i = 0; i < x.value().size(); i++) s += xd[off + i];
        Tensor y = Tensor.of(new float[] {(float) s}, 1);
        return Var.op(y, dy -> {
            if (!x.requiresGrad()) return;
            float g = dy.data()[dy.offset()];
            Tensor dx = x.gradBuffer();
            float[] gd = dx.data();
            for (int i = 0; i < dx.size(); i++) gd[dx.offset() + i] += g;
        }, x);
    }

    /**
     * The same value with no gradient path: what flows into the result stops here. SparseLoRA's
     * {@code detachSparseBaseGrad} mode (the reference repository's no-grad base slices) is built with it.
     */
    public static Var detach(Var x) {
        return Var.constant(x.value());
    }

    /** A view of x with new dimensions (same element count); the gradient flows back unchanged. */
    public static Var reshape(Var x, int... dims) {
        Tensor y = x.value().reshape(dims);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) x.accumulate(dy);
        }, x);
    }

    /**
     * RMSNorm over the last axis: y = x / sqrt(mean(x²) + eps) ⊙ w, x (n, d), w (d). The per-row inverse RMS
     * from the forward is saved for the backward; w gets a gradient only if it requires one.
     */
    public static Var rmsnorm(Var x, Var w, float eps) {
        Tensor y = StepArena.uninitialized(x.shape());
        float[] invRms = RmsNorm.forward(x.value(), w.value(), eps, y);
        return Var.op(y, dy -> {
            if (x.requiresGrad()) RmsNorm.backwardInput(dy, x.value(), w.value(), invRms, x.gradBuffer(), true);
            if (w.requiresGrad()) RmsNorm.backwardWeight(dy, x.value(), invRms, w.gradBuffer());
        }, x, w);
    }

    /**
     * Rotary position embedding of every head of x (rows, heads·headSize); row r is at position positions[r].
     * A rotation is orthogonal, so the backward rotates the gradient by the opposite angle.
     */
    public static Var rope(Var x, Rope rope, int[] positions) {
        int[] pos = positions.clone();
        Tensor y = StepArena.uninitialized(x.shape());
        Elementwise.copy(x.value(), y);
        rope.rotate(y, pos, false);
        Var out = Var.op(y, dy -> {
            if (!x.requiresGrad()) return;
            if (x.grad() == null) {
                // The first gradient: rotate dy straight into the fresh buffer.
                Tensor g = x.freshGradBuffer();
                Elementwise.copy(dy, g);
                rope.rotate(g, pos, true);
                return;
            }
            Tensor g = dy.copy();
            rope.rotate(g, pos, true);
            Elementwise.axpy(1f, g, x.gradBuffer());
        }, x);
        // No backward reads the unrotated input (q or k straight from its projection): the graph would hold it
        // only as this op's parent. It is dropped, and rotated back from y should anything read it again.
        if (out.requiresGrad() && !x.isLeaf()) {
            x.dropValue(() -> {
                Tensor back = y.copy();
                rope.rotate(back, pos, true);
                return back;
            });
        }
        return out;
    }

    /**
     * A residual connection h = x + f, where f (a block's attention or FFN output) is read by nothing after the
     * sum: its value is dropped, so the graph keeps h and not f beside it (neither this op's backward nor a
     * projection's reads its own output). Should anything read f again it is h − x, to float rounding.
     */
    public static Var residual(Var x, Var f) {
        Var h = add(x, f);
        if (h.requiresGrad() && !f.isLeaf()) {
            f.dropValue(() -> {
                Tensor back = Tensor.zeros(f.shape());
                Elementwise.axpy(1f, h.value(), back);
                Elementwise.axpy(-1f, x.value(), back);
                return back;
            });
        }
        return h;
    }

    /** SwiGLU: y = SiLU(gate) ⊙ up, SiLU(g) = g · σ(g); gate and up of the same size. */
    public static Var swiglu(Var gate, Var up) {
        Tensor y = StepArena.uninitialized(gate.shape());
        SwiGlu.forward(gate.value(), up.value(), y);
        return Var.op(y, dy -> {
            // The kernel overwrites both gradients: a gradient seen for the first time is written in place, any
            // other goes through a temporary that is then added.
            boolean gateFresh = gate.requiresGrad() && gate.grad() == null, upFresh = up.requiresGrad() && up.grad() == null;
            Tensor dgate = gateFresh ? gate.freshGradBuffer() : Tensor.zeros(gate.shape());
            Tensor dup = upFresh ? up.freshGradBuffer() : Tensor.zeros(up.shape());
            SwiGlu.backward(gate.value(), up.value(), dy, dgate, dup);
            if (gate.requiresGrad() && !gateFresh) Elementwise.axpy(1f, dgate, gate.gradBuffer());
            if (up.requiresGrad() && !upFresh) Elementwise.axpy(1f, dup, up.gradBuffer());
        }, gate, up);
    }

    /**
     * Frees the value of {@code y = swiglu(gate, up)} once the forward has used it, to be recomputed from gate
     * and up when a backward reads it ({@link Var#dropValue}): a block then keeps only the SwiGLU inputs, which its
     * own backward needs anyway. Under no graph (or for a y that needs no gradient) it does nothing.
     */
    public static void recomputeSwigluLater(Var y, Var gate, Var up) {
        if (!y.requiresGrad() || y.isLeaf()) return;
        y.dropValue(() -> {
            Tensor again = StepArena.uninitialized(gate.shape());
            SwiGlu.forward(gate.value(), up.value(), again);
            return again;
        });
    }

    /**
     * Embedding lookup: y[i] = table[ids[i]], table (vocab, dim) → y (ids.length, dim). The backward
     * scatter-adds rows of dy into the table's gradient (a repeated id accumulates), only if the table trains.
     */
    public static Var embedding(Var table, int[] ids) {
        int vocab = table.rows(), dim = table.cols();
        int[] idx = ids.clone();
        Tensor y = Tensor.zeros(idx.length, dim);
        float[] yd = y.data();
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= vocab) throw new IndexOutOfBoundsException("token id " + idx[i] + " at " + i + " is outside vocabulary " + vocab);
            table.value().decodeRow(idx[i], yd, i * dim); // a compact (frozen) table decodes just the rows it is asked for
        }
        return Var.op(y, dy -> {
            if (!table.requiresGrad()) return;
            Tensor dt = table.gradBuffer();
            for (int i = 0; i < idx.length; i++) Elementwise.axpy(1f, dy.row(i), dt.row(idx[i]));
        }, table);
    }

    /** Number of labelled positions: targets that are not negative. */
    public static int countLabelled(int[] targets) {
        int n = 0;
        for (int t : targets) if (t >= 0) n++;
        return n;
    }

    /**
     * Mean softmax cross-entropy of logits (n, vocab) against targets (n); a negative target is ignored. The mean
     * is over labelled rows ({@link #countLabelled}); with none the loss is 0 and so is the gradient.
     */
    public static Var crossEntropy(Var logits, int[] targets) {
        return crossEntropy(logits, targets, Math.max(1, countLabelled(targets)));
    }

    /**
     * Σ over labelled rows of cross-entropy, divided by {@code normalizer}: pass the labelled count of a whole
     * accumulated batch so that micro-batches add up to its mean. A one-element result. The gradient
     * (softmax − onehot) / normalizer is recomputed in the backward rather than kept, since it is as large as
     * the logits.
     */
    public static Var crossEntropy(Var logits, int[] targets, float normalizer) {
        int[] tg = targets.clone();
        float inv = 1f / normalizer;
        double total = CrossEntropy.lossSum(logits.value(), tg);
        Tensor y = Tensor.of(new float[] {(float) (total * inv)}, 1);
        return Var.op(y, dy -> {
            if (!logits.requiresGrad()) return;
            float scale = dy.data()[dy.offset()] * inv;
            if (logits.grad() == null) {
                CrossEntropy.lossAndGrad(logits.value(), tg, logits.freshGradBuffer(), scale); // writes every element
            } else {
                Tensor g = Tensor.zeros(logits.shape());
                CrossEntropy.lossAndGrad(logits.value(), tg, g, scale);
                Elementwise.axpy(1f, g, logits.grad());
            }
        }, logits);
    }

    /** out += a ⊙ b, all of the same size. */
    private static void addProduct(Tensor a, Tensor b, Tensor out) {
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        for (int i = 0; i < out.size(); i++) od[oo + i] += ad[ao + i] * bd[bo + i];
    }
}
