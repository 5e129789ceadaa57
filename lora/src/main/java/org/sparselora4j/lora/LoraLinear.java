package org.sparselora4j.lora;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.List;
import java.util.SplittableRandom;

/**
 * y = x·Wᵀ + s · dropout(x)·Aᵀ·Bᵀ with s = alpha / rank. The base weight W (out, in) is frozen: it never gets a
 * gradient. Only A (rank, in), Kaiming-uniform, and B (out, rank), zeros, train, so a fresh adapter leaves the
 * output unchanged. The base product runs on the {@link Backend} given at construction (which may keep W on
 * its device); the LoRA branch, whose factors change every step, always runs on the Vector API kernels.
 */
public final class LoraLinear implements Linear {
    private final Tensor weight; // (out, in), frozen
    private final Var frozen;
    private final Var a;         // (rank, in)
    private final Var b;         // (out, rank)
    private final float scale;
    private final Dropout dropout;
    private final Backend backend;

    /** A LoRA layer whose base product runs on the Vector API kernels. */
    public LoraLinear(Tensor weight, Var a, Var b, float scale, Dropout dropout) {
        this(weight, a, b, scale, dropout, Backend.cpu());
    }

    /** A LoRA layer whose base product (x·Wᵀ forward, dy·W backward) runs on {@code backend}. */
    public LoraLinear(Tensor weight, Var a, Var b, float scale, Dropout dropout, Backend backend) {
        if (a.cols() != weight.cols() || b.rows() != weight.rows() || a.rows() != b.cols()) {
            throw new IllegalArgumentException("LoRA factors A " + a.shape() + " and B " + b.shape() + " do not fit weight " + weight.shape());
        }
        this.weight = weight;
        this.frozen = Var.constant(weight);
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.dropout = dropout;
        this.backend = backend;
    }

    /** A fresh adapter: A uniform in ±1/√in (PyTorch's Kaiming-uniform with a = √5), B zero. */
    public static LoraLinear fresh(Tensor weight, LoraConfig config, SplittableRandom random, Dropout dropout) {
        return fresh(weight, config, random, dropout, Backend.cpu());
    }

    /** {@link #fresh(Tensor, LoraConfig, SplittableRandom, Dropout)} with the base product on {@code backend}. */
    public static LoraLinear fresh(Tensor weight, LoraConfig config, SplittableRandom random, Dropout dropout, Backend backend) {
        int in = weight.cols(), out = weight.rows();
        Var a = Var.parameter(Tensor.uniform(random, (float) (1.0 / Math.sqrt(in)), config.rank(), in));
        Var b = Var.parameter(Tensor.zeros(out, config.rank()));
        return new LoraLinear(weight, a, b, config.scale(), dropout, backend);
    }

    @Override
    public int inFeatures() {
        return weight.cols();
    }

    @Override
    public int outFeatures() {
        return weight.rows();
    }

    public Tensor weight() {
        return weight;
    }

    /** W as the graph sees it: a constant, which no backward pass ever gives a gradient. */
    public Var frozenWeight() {
        return frozen;
    }

    /** Where the base product runs. */
    public Backend backend() {
        return backend;
    }

    public Var a() {
        return a;
    }

    public Var b() {
        return b;
    }

    public float scale() {
        return scale;
    }

    /** x·Wᵀ + s·dropout(x)·Aᵀ·Bᵀ, the low-rank term added inside the base product's tensor. */
    @Override
    public Var forward(Var x) {
        return LinearOps.linearPlusLowRank(x, frozen, backend, down(x), b);
    }

    /** A and s while dropout is the identity (then the down-projection reads x itself and may be shared). */
    @Override
    public LowRankDown lowRankDown() {
        return dropout.isIdentity() ? new LowRankDown(a, scale) : null;
    }

    /** x·Wᵀ + u·Bᵀ with u = s·x·Aᵀ made elsewhere ({@link Linear#downAll}). */
    @Override
    public Var forward(Var x, Var u) {
        return LinearOps.linearPlusLowRank(x, frozen, backend, u, b);
    }

    /** y + s·dropout(x)·Aᵀ·Bᵀ: the LoRA branch on x added to a base result made elsewhere (SparseLoRA's sparse paths). */
    public Var plusLora(Var y, Var x) {
        return LinearOps.addLowRank(y, down(x), b);
    }

    /**
     * x[:, cols]·Wᵀ[cols] + s·dropout(loraInput)·Aᵀ·Bᵀ: the base on the kept input channels (x full width, or compact
     * (n, k) with {@code compactInput}) plus the LoRA branch on the full-width {@code loraInput}, in one tensor.
     */
    public Var colsPlusLora(Var x, Index cols, boolean compactInput, Var loraInput) {
        Var u = down(loraInput);
        return LinearOps.linearColsPlusLowRank(x, frozen, cols, compactInput, backend, u, b);
    }

    /**
     * scatter(compact, cols) + s·dropout(x)·Aᵀ·Bᵀ: a base computed on the kept output channels only (SparseLoRA),
     * zero on the others, plus the LoRA branch on every channel, in one (n, out) tensor.
     */
    public Var scatterPlusLora(Var compact, Index cols, Var x) {
        return LinearOps.scatterPlusLowRank(compact, cols, outFeatures(), down(x), b);
    }

    /**
     * s·dropout(x)·Aᵀ (n, rank). The scale is applied to this rank-wide product rather than to the (n, out)
     * result: the same value, a far smaller tensor. The term this layer adds is u·Bᵀ.
     */
    public Var down(Var x) {
        return LinearOps.lowRankDown(dropout.apply(x), a, scale);
    }

    @Override
    public List<Var> parameters() {
        return List.of(a, b);
    }

    /** s · B·A (out, in): what merging adds to W. */
    public Tensor delta() {
        Tensor d = MatMul.ab(b.value(), a.value());
        Elementwise.scale(d, scale, d);
        return d;
    }

    /** A new weight W + s·B·A, for inference. */
    public Tensor merged() {
        Tensor m = weight.copy();
        Elementwise.add(m, delta(), m);
        return m;
    }
}
