package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The row permutation between RoPE pairings of a q or k projection, as Hugging Face's llama conversion script
 * applies it. Within each head of size hs, INTERLEAVED rotates rows (2i, 2i+1) and HALF_SPLIT rotates rows
 * (i, hs/2 + i), so {@link #toHalfSplit} moves old row 2i to i and old row 2i+1 to hs/2 + i. Works on any tensor
 * whose leading axis is heads·hs (a weight (out, in), a LoRA B (out, rank), a bias (out)).
 */
public final class RopePermutation {
    private RopePermutation() {
    }

    /** INTERLEAVED rows → HALF_SPLIT rows, per head; returns a new tensor. */
    public static Tensor toHalfSplit(Tensor w, int heads) {
        return permute(w, heads, true);
    }

    /** HALF_SPLIT rows → INTERLEAVED rows, per head; the inverse of {@link #toHalfSplit}. */
    public static Tensor toInterleaved(Tensor w, int heads) {
        return permute(w, heads, false);
    }

    private static Tensor permute(Tensor w, int heads, boolean toHalfSplit) {
        if (w.rank() == 0) throw new IllegalArgumentException("cannot permute the rows of a scalar");
        int rows = w.dim(0);
        if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into " + heads + " heads of even size");
        }
        int headSize = rows / heads;
        int half = headSize / 2;
        int rowSize = rows == 0 ? 0 : w.size() / rows;
        float[] src = w.data();
        float[] dst = new float[w.size()];
        for (int h = 0; h < heads; h++) {
            int base = h * headSize;
            for (int i = 0; i < half; i++) {
                int interleavedEven = base + 2 * i, interleavedOdd = base + 2 * i + 1;
                int splitFirst = base + i, splitSecond = base + half + i;
                if (toHalfSplit) {
                    copyRow(src, w.offset(), interleavedEven, dst, splitFirst, rowSize);
                    copyRow(src, w.offset(), interleavedOdd, dst, splitSecond, rowSize);
                } else {
                    copyRow(src, w.offset(), splitFirst, dst, interleavedEven, rowSize);
                    copyRow(src, w.offset(), splitSecond, dst, interleavedOdd, rowSize);
                }
            }
        }
        return Tensor.of(w.shape(), dst);
    }

    private static void copyRow(float[] src, int srcOffset, int srcRow, float[] dst, int dstRow, int rowSize) {
        System.arraycopy(src, srcOffset + srcRow * rowSize, dst, dstRow * rowSize, rowSize);
    }

    /**
     * The same model with its q and k rows permuted to {@code style} (wq and its bias over heads, wk and its bias
     * over kvHeads, a q/k norm weight as one head); other tensors are shared, not copied. Returns {@code w}
     * itself when it already has that style.
     */
    public static LlamaWeights convert(LlamaWeights w, Rope.Style style) {
        LlamaConfig c = w.config();
        if (c.ropeStyle() == style) return w;
        boolean half = style == Rope.Style.HALF_SPLIT;
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (LayerWeights l : w.layers()) {
            Tensor wq = permute(l.wq(), c.heads(), half);
            Tensor wk = permute(l.wk(), c.kvHeads(), half);
            Optional<LayerWeights.QkvBias> bias = l.bias().map(b ->
                    new LayerWeights.QkvBias(permute(b.q(), c.heads(), half), permute(b.k(), c.kvHeads(), half), b.v()));
            Optional<LayerWeights.QkNorm> norm = l.qkNorm().map(n ->
                    new LayerWeights.QkNorm(permute(n.q(), 1, half), permute(n.k(), 1, half)));
            layers.add(new LayerWeights(l.attnNorm(), wq, wk, l.wv(), l.wo(), l.ffnNorm(), l.gate(), l.up(), l.down(), bias, norm));
        }
        return new LlamaWeights(c.withRopeStyle(style), w.tokenEmbedding(), layers, w.finalNorm(), w.classifier());
    }
}
