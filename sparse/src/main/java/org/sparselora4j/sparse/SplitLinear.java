package org.sparselora4j.sparse;

import org.sparselora4j.autograd.GroupedLinearOps;
import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;

/**
 * One projection of a sparse layer as its two parts: the frozen base weight W (out, in), which the sparse tokens
 * use on gathered rows or columns only, and the LoRA branch if the projection is LoRA-wrapped, which always
 * stays dense on the full input and output (METHODS.md 1.5). {@code dense} is the projection as the dense path
 * calls it (base + LoRA). The gathered base products run on the backend the projection's own base product
 * runs on, so the sparse and dense token groups of one projection share one device copy of W.
 */
final class SplitLinear {
    private final Linear dense;
    private final Var base;       // (out, in), a constant
    private final LoraLinear lora; // null when the projection is not LoRA-wrapped
    private final Backend backend;

    private SplitLinear(Linear dense, Var base, LoraLinear lora, Backend backend) {
        this.dense = dense;
        this.base = base;
        this.lora = lora;
        this.backend = backend;
    }

    /** Splits a LoRA-wrapped or frozen projection; a trainable base weight cannot run sparse. */
    static SplitLinear of(Linear projection, int layer, String name) {
        if (projection instanceof LoraLinear l) return new SplitLinear(l, l.frozenWeight(), l, l.backend());
        if (projection instanceof Linear.Frozen f) return new SplitLinear(f, f.weight(), null, f.backend());
        // Linear.of over a constant: its dense product runs on the Vector API kernels, and so does its sparse one.
        if (projection instanceof Linear.Plain p && !p.weight().requiresGrad()) return new SplitLinear(p, p.weight(), null, Backend.cpu());
        throw new IllegalArgumentException("layer " + layer + " " + name + ": SparseLoRA needs a frozen or LoRA-wrapped projection, got "
                + projection.getClass().getSimpleName() + " with a trainable weight");
    }

    Linear dense() {
        return dense;
    }

    Var base() {
        return base;
    }

    boolean adapted() {
        return lora != null;
    }

    int inFeatures() {
        return base.cols();
    }

    int outFeatures() {
        return base.rows();
    }

    /** x · W[rows]ᵀ (n, k): the base on the kept output channels. */
    Var baseRows(Var x, Index rows) {
        return LinearOps.linearRows(x, base, rows, backend);
    }

    /** x[:, cols] · W[:, cols]ᵀ (n, out); x full width, or compact (n, k) with {@code compactInput}. */
    Var baseCols(Var x, Index cols, boolean compactInput) {
        return LinearOps.linearCols(x, base, cols, compactInput, backend);
    }

    /**
     * The base's kept output channels {@code compact} (n, k) scattered to full width (zero elsewhere), plus the
     * LoRA branch on x when the projection is LoRA-wrapped, in one tensor.
     */
    Var scatterPlusLora(Var compact, Index cols, Var x) {
        return lora == null ? LinearOps.scatterColumns(compact, cols, outFeatures()) : lora.scatterPlusLora(compact, cols, x);
    }

    /**
     * {@link #baseCols} plus the LoRA branch on {@code loraInput} (full width) in one op when the projection is
     * LoRA-wrapped: {@code plusLora(baseCols(x, cols, compactInput), loraInput)} without copying the base result.
     */
    Var baseColsPlusLora(Var x, Index cols, boolean compactInput, Var loraInput) {
        return lora == null ? baseCols(x, cols, compactInput) : lora.colsPlusLora(x, cols, compactInput, loraInput);
    }

    /**
     * The projection over a whole batch whose first {@code ns} rows are the sparse token group and the rest the
     * dense group, in one (n, out) tensor: the sparse rows' base on the kept output channels {@code rows}
     * (scattered to full width), the dense rows' whole base, and the LoRA branch on every row
     * ({@link GroupedLinearOps#rowsThenDense}). {@code u}: the LoRA down-projection of x if made already
     * ({@code Linear.downAll}, shared with the other projections of x), else null.
     */
    Var rowsThenDense(Var x, int ns, Index rows, Var u) {
        return GroupedLinearOps.rowsThenDense(x, ns, base, rows, backend, lora == null ? null : down(x, u), lora == null ? null : lora.b());
    }

    /** The LoRA down-projection of x: {@code u} where made elsewhere ({@code Linear.downAll}), else made here. */
    private Var down(Var x, Var u) {
        return u != null ? u : lora.down(x);
    }

    /**
     * As {@link #rowsThenDense}, with the sparse rows' base on the kept input channels {@code cols} of the
     * full-width x ({@link GroupedLinearOps#colsThenDense}).
     */
    Var colsThenDense(Var x, int ns, Index cols) {
        return GroupedLinearOps.colsThenDense(x, ns, base, cols, backend, lora == null ? null : lora.down(x), lora == null ? null : lora.b());
    }

    /** y + the LoRA branch on x (full width), or y itself when the projection is not LoRA-wrapped. */
    Var plusLora(Var y, Var x) {
        return lora == null ? y : lora.plusLora(y, x);
    }
}
