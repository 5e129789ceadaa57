package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.StepArena;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A node of the autograd graph: a {@link Tensor} value, its gradient (allocated on first use), whether it needs
 * one, and for the result of an op the inputs ({@code parents}) and the closure that pushes the output gradient
 * into them. Three kinds:
 * <ul>
 * <li>a parameter ({@link #parameter}): a leaf that trains; its gradient accumulates over backward passes
 * until {@link #zeroGrad};</li>
 * <li>a constant ({@link #constant}): a leaf that never gets a gradient (frozen weights, inputs); ops skip
 * every piece of backward work that would only feed it;</li>
 * <li>an op result ({@link #op}): needs a gradient iff some parent does and the graph is being recorded
 * ({@link Tape#isRecording()}); otherwise it keeps no parents and no closure, so inference builds no graph.</li>
 * </ul>
 */
public final class Var {
    /** Pushes {@code dy} (the gradient of this node's value) into the parents' gradients with {@code +=}. */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor dy);
    }

    private Tensor value;       // null while dropped ({@link #dropValue}) until value() recomputes it
    private Supplier<Tensor> recompute;
    private final Shape shape;
    private final boolean requiresGrad;
    private final boolean leaf;
    private Var[] parents;      // null for leaves, for op results that need no gradient, and once freed
    private Backward backward;  // as parents
    private Tensor grad;        // null until something accumulates into it
    private boolean retainGrad; // keep an op result's gradient after backward (leaves always keep theirs)
    private boolean freed;      // the graph behind this op result was released by a backward pass
    private String timedAs;     // where the op was made, while OpTimer times (else null)
    private boolean ownsBuffer; // the value is a buffer the open StepArena lent to this op result alone

    private Var(Tensor value, boolean requiresGrad, boolean leaf, Var[] parents, Backward backward) {
        this.value = value;
        this.shape = value.shape();
        this.requiresGrad = requiresGrad;
        this.leaf = leaf;
        this.parents = parents;
        this.backward = backward;
    }

    /** A trainable leaf: it gets a gradient. */
    public static Var parameter(Tensor value) {
        return new Var(value, true, true, null, null);
    }

    /** A frozen leaf: never gets a gradient, and ops do no backward work for it. */
    public static Var constant(Tensor value) {
        return new Var(value, false, true, null, null);
    }

    /**
     * The result of an op over {@code parents}. {@code backward} is kept only when the tape is recording and some
     * parent requires a gradient; it must accumulate ({@code +=}) into each parent that {@link #requiresGrad()}
     * and skip the others.
     */
    public static Var op(Tensor value, Backward backward, Var... parents) {
        String timed = OpTimer.forward();
        if (!Tape.isRecording() || !anyRequiresGrad(parents)) {
            return new Var(value, false, false, null, null);
        }
        Var v = new Var(value, true, false, parents.clone(), backward);
        v.timedAs = timed;
        v.ownsBuffer = StepArena.claim(value);
        return v;
    }

    /** True when some of the vars requires a gradient and the tape is recording: worth building a closure. */
    public static boolean anyRequiresGrad(Var... vars) {
        for (Var v : vars) if (v.requiresGrad) return true;
        return false;
    }

    /** The value (recomputed, once, if it was dropped: {@link #dropValue}). */
    public Tensor value() {
        if (value == null) {
            value = recompute.get();
            recompute = null;
            ownsBuffer = StepArena.claim(value);
            if (!value.shape().equals(shape)) throw new IllegalStateException("a value recomputed as " + value.shape() + " for " + shape);
        }
        return value;
    }

    /**
     * Frees the value of this op result until something reads it again, when {@code recompute} makes it anew: for
     * a large intermediate whose only later reader is some backward (a SwiGLU product, which a LoRA factor's
     * gradient reads), so that the graph does not hold it between the forward and that backward. The recompute
     * must give the same values (repeat the forward from inputs the graph still holds).
     */
    public void dropValue(Supplier<Tensor> recompute) {
        if (leaf) throw new IllegalStateException("a leaf's value is not dropped");
        this.recompute = Objects.requireNonNull(recompute);
        if (ownsBuffer) StepArena.giveBack(value);
        ownsBuffer = false;
        this.value = null;
    }

    public Shape shape() {
        return shape;
    }

    /** Rows of the value seen as a matrix (leading axes flattened). */
    public int rows() {
        int r = 1;
        for (int axis = 0; axis < shape.rank() - 1; axis++) r *= shape.dim(axis);
        return r;
    }

    public int cols() {
        return shape.rank() == 0 ? 1 : shape.dim(-1);
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** A parameter or a constant (not the result of an op). */
    public boolean isLeaf() {
        return leaf;
    }

    /** The gradient, or null when nothing has flowed into it (always null for a constant). */
    public Tensor grad() {
        return grad;
    }

    /**
     * The gradient tensor to accumulate into, allocated as zeros (same shape as the value) on first use. Only
     * backward closures and optimizers call this; it throws for a var that requires no gradient.
     */
    public Tensor gradBuffer() {
        if (!requiresGrad) throw new IllegalStateException("a var that requires no gradient has no gradient buffer");
        if (grad == null) grad = leaf ? Tensor.zeros(shape) : StepArena.zeros(shape);
        return grad;
    }

    /**
     * The gradient buffer for a kernel that writes every element of it, for a var that has no gradient yet
     * ({@code grad() == null}; it throws otherwise): its contents are undefined until then (an op result's comes
     * from the open {@link StepArena}, unzeroed).
     */
    public Tensor freshGradBuffer() {
        if (!requiresGrad) throw new IllegalStateException("a var that requires no gradient has no gradient buffer");
        if (grad != null) throw new IllegalStateException("freshGradBuffer on a var that already has a gradient");
        grad = leaf ? Tensor.zeros(shape) : StepArena.uninitialized(shape);
        return grad;
    }

    /**
     * grad += g ({@code g} of the same size; not kept). The first gradient is copied in, which is cheaper than
     * zeroing a buffer and adding.
     */
    public void accumulate(Tensor g) {
        if (grad == null && requiresGrad) {
            if (g.size() != shape.size()) throw new IllegalArgumentException("gradient of " + g.shape() + " for a value of " + shape);
            if (leaf) {
                grad = Tensor.of(shape, g.toArray());
            } else {
                grad = StepArena.uninitialized(shape);
                Elementwise.copy(g, grad);
            }
            return;
        }
        Elementwise.axpy(1f, g, gradBuffer());
    }

    /** Sets the gradient to zero (keeping its memory); a no-op for a var with no gradient yet. */
    public void zeroGrad() {
        if (grad != null) grad.zero();
    }

    /** Keeps this op result's gradient after backward, for inspection (tests, diagnostics). Returns this. */
    public Var retainGrad() {
        this.retainGrad = true;
        return this;
    }

    Var[] parents() {
        return parents;
    }

    Backward backward() {
        return backward;
    }

    String timedAs() {
        return timedAs;
    }

    boolean isFreed() {
        return freed;
    }

    /**
     * Drops the closure and the parents, so the saved tensors they hold can be collected, and hands a value the
     * {@link StepArena} lent back to it.
     */
    void release() {
        if (leaf) return;
        parents = null;
        backward = null;
        freed = true;
        // Every reader of the value (the op results made from it, whose closures ran first) is done: a buffer the
        // arena lent for it goes back now, as the collector would have taken it. The value is undefined after.
        if (ownsBuffer && value != null) StepArena.giveBack(value);
        ownsBuffer = false;
    }

    /** Drops an op result's gradient once its closure has used it, unless {@link #retainGrad} asked otherwise. */
    void dropGradIfIntermediate() {
        if (!leaf && !retainGrad && grad != null) {
            StepArena.giveBack(grad);
            grad = null;
        }
    }

    @Override
    public String toString() {
        return (leaf ? (requiresGrad ? "Parameter" : "Constant") : "Var") + shape;
    }
}
