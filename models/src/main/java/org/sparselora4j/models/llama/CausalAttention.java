package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.Softmax;

import java.util.Arrays;

/**
 * Causal grouped-query attention over a KV cache: softmax(q·Kᵀ / √headSize) · V, where query head h reads
 * key/value head h / (heads / kvHeads) and a query at position p sees the keys of positions [0, p].
 * The query heads that share a key/value head are stacked into one matrix, so each key/value head is two
 * matmuls: scores (n·group, t) = Q·Kᵀ and out (n·group, headSize) = P·V, done in blocks of {@link #BLOCK}
 * query positions that each meet only the keys up to their last position (a long prefill skips most of the
 * masked future).
 */
final class CausalAttention {
    /** Query positions per block of a prefill. */
    private static final int BLOCK = 64;

    private CausalAttention() {
    }

    /**
     * q (n, heads·headSize) holds queries of positions [start, start+n), whose keys and values the cache of
     * {@code layer} already holds; returns the heads' outputs (n, heads·headSize).
     */
    static Tensor forward(Tensor q, KvCache cache, int layer, int start, LlamaConfig c) {
        int n = q.rows(), group = c.groupSize(), headSize = c.headSize(), seen = start + n;
        float scale = (float) (1.0 / Math.sqrt(headSize));
        Tensor out = Tensor.zeros(n, c.heads() * headSize);
        Tensor scratch = Tensor.zeros(Math.min(n, BLOCK) * group * seen);
        for (int g = 0; g < c.kvHeads(); g++) {
            Tensor qg = gatherGroup(q, g, group, headSize);                       // (n·group, headSize)
            Tensor og = Tensor.zeros(n * group, headSize);
            // Positions [r0, r1) see keys [0, start + r1): a prefill skips the future of each block.
            for (int r0 = 0; r0 < n; r0 += BLOCK) {
                int r1 = Math.min(n, r0 + BLOCK), keys = start + r1;
                Tensor scores = Tensor.view(scratch.data(), 0, Shape.of((r1 - r0) * group, keys));
                MatMul.abT(qg.rows(r0 * group, r1 * group), cache.keys(layer, g, seen).rows(0, keys), scores, false);
                Elementwise.scale(scores, scale, scores);
                for (int row = 0; row < scores.rows(); row++) {
                    int visible = start + r0 + row / group + 1;                   // positions [0, p] for p = start + r
                    int off = row * keys;
                    Softmax.inPlace(scores.data(), off, visible);
                    Arrays.fill(scores.data(), off + visible, off + keys, 0f);    // the future gets no weight
                }
                MatMul.ab(scores, cache.values(layer, g, seen).rows(0, keys), og.rows(r0 * group, r1 * group), false);
            }
            scatterGroup(og, out, g, group, headSize);
        }
        return out;
    }

    /** Rows (r, j) = q[r, head g·group + j]: the query heads of key/value head g, as (n·group, headSize). */
    private static Tensor gatherGroup(Tensor q, int g, int group, int headSize) {
        int n = q.rows(), width = group * headSize;
        Tensor qg = Tensor.zeros(n * group, headSize);
        for (int r = 0; r < n; r++) {
            // The group's heads are adjacent in a row of q, so one copy moves all of them.
            System.arraycopy(q.data(), q.offset() + r * q.cols() + g * width, qg.data(), r * width, width);
        }
        return qg;
    }

    /** The inverse of {@link #gatherGroup}: writes og (n·group, headSize) into out's heads of group g. */
    private static void scatterGroup(Tensor og, Tensor out, int g, int group, int headSize) {
        int n = out.rows(), width = group * headSize;
        for (int r = 0; r < n; r++) {
            System.arraycopy(og.data(), og.offset() + r * width, out.data(), out.offset() + r * out.cols() + g * width, width);
        }
    }
}
