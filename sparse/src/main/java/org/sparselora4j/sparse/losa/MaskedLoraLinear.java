package org.sparselora4j.sparse.losa;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.RowOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.Dropout;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.List;

/**
 * LoSA's masked LoRA (METHODS 2.2): y = x·Wᵀ + s · dropout(x)·Δᵀ with Δ = M ⊙ (B_r·A_r), M = (W ≠ 0), so the
 * update lives only where the pruned base weight W (out, in) is non-zero and merging keeps every pruned weight
 * exactly 0. A (rMax, in) and B (out, rMax) are shared across rounds; this layer uses their rank-r prefix
 * (rows of A, columns of B), and the rest gets zero gradient. Δ is materialised (out, in) every forward, as the
 * reference does. Built from primitive ops, so the backward is theirs:
 * dΔ = s·Gᵀ·x_drop, dP = M ⊙ dΔ, dB_r = dP·A_rᵀ, dA_r = B_rᵀ·dP, dx = G·W + s·G·Δ (through dropout).
 */
public final class MaskedLoraLinear implements Linear {
    private final Tensor weight; // (out, in), frozen, pruned
    private final Var frozen;
    private final Var mask;      // (out, in): 1 where W ≠ 0, else 0; a constant
    private final Var a;         // (rMax, in)
    private final Var b;         // (out, rMax)
    private final int rank;      // r ≤ rMax
    private final float scale;
    private final Dropout dropout;

    public MaskedLoraLinear(Tensor weight, Var a, Var b, int rank, float scale, Dropout dropout) {
        if (a.cols() != weight.cols() || b.rows() != weight.rows() || a.rows() != b.cols()) {
            throw new IllegalArgumentException("LoRA factors A " + a.shape() + " and B " + b.shape() + " do not fit weight " + weight.shape());
        }
        if (rank < 1 || rank > a.rows()) throw new IllegalArgumentException("rank " + rank + " outside [1, " + a.rows() + "]");
        this.weight = weight;
        this.frozen = Var.constant(weight);
        this.mask = Var.constant(maskOf(weight));
        this.a = a;
        this.b = b;
        this.rank = rank;
        this.scale = scale;
        this.dropout = dropout;
    }

    /** M (out, in): 1 where w ≠ 0, 0 where w is zero (of either sign). */
    public static Tensor maskOf(Tensor w) {
        Tensor m = Tensor.zeros(w.rows(), w.cols());
        float[] wd = w.data(), md = m.data();
        for (int i = 0; i < m.size(); i++) md[i] = wd[w.offset() + i] != 0f ? 1f : 0f;
        return m;
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

    public int rank() {
        return rank;
    }

    public float scale() {
        return scale;
    }

    @Override
    public Var forward(Var x) {
        Var update = Ops.scale(LinearOps.linear(dropout.apply(x), maskedProduct()), scale);
        return Ops.add(LinearOps.linear(x, frozen), update);
    }

    /** M ⊙ (B_r·A_r) (out, in) as a graph node: the factors' rank-r prefixes, multiplied, then masked. */
    private Var maskedProduct() {
        Var ar = rank == a.rows() ? a : RowOps.sliceRows(a, 0, rank);                      // (r, in)
        Var br = rank == b.cols() ? b : LinearOps.gatherColumns(b, Index.all(rank));        // (out, r)
        return Ops.mul(LinearOps.matmul(br, ar), mask);
    }

    @Override
    public List<Var> parameters() {
        return List.of(a, b);
    }

    /** s · M ⊙ (B_r·A_r) (out, in) for the mask {@code m}: what merging adds where m is 1. */
    public static Tensor delta(Tensor a, Tensor b, int rank, float scale, Tensor m) {
        Tensor ar = a.rows(0, rank);                                                        // (r, in), a view
        Tensor br = Tensor.zeros(b.rows(), rank);                                           // (out, r)
        for (int i = 0; i < b.rows(); i++) System.arraycopy(b.data(), b.offset() + i * b.cols(), br.data(), i * rank, rank);
        Tensor d = MatMul.ab(br, ar);
        Elementwise.mul(d, m, d);
        Elementwise.scale(d, scale, d);
        return d;
    }

    /** s · M ⊙ (B_r·A_r) with this layer's mask. */
    public Tensor delta() {
        return delta(a.value(), b.value(), rank, scale, mask.value());
    }
}
