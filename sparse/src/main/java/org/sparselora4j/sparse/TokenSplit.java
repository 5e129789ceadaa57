package org.sparselora4j.sparse;

import org.sparselora4j.autograd.RowOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.TokenBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * SparseLoRA's token split (METHODS.md 1.7.2): one contiguous block of positions [left, right), shared by every
 * row of the batch, runs dense; the other positions (context before it, padding after it) run sparse. With right
 * padding, left = min over rows of the first position that carries a loss and right = max over rows of the last
 * such position + 1; rows without any loss do not narrow the block. A batch without losses is all sparse.
 *
 * <p>The dense block is over positions whose hidden state carries a loss (those with a target). The reference
 * marks label positions, which are one later (the token being predicted), so its block starts one position later;
 * here the hidden state that predicts the first output token is also computed densely.
 *
 * @param sparse flattened rows (b·seqLen + t) outside [left, right), in order
 * @param dense  flattened rows inside [left, right), in order
 */
public record TokenSplit(int left, int right, int[] sparse, int[] dense) {
    /** The split of a batch. */
    public static TokenSplit of(TokenBatch batch) {
        int seq = batch.seqLen(), left = seq, right = 0;
        int[] targets = batch.targets();
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < seq; t++) {
                if (targets[b * seq + t] < 0) continue;
                left = Math.min(left, t);
                right = Math.max(right, t + 1);
            }
        }
        if (left >= right) {
            left = 0;
            right = 0;
        }
        int width = right - left;
        int[] sparse = new int[batch.batchSize() * (seq - width)], dense = new int[batch.batchSize() * width];
        int s = 0, d = 0;
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < seq; t++) {
                if (t >= left && t < right) dense[d++] = b * seq + t;
                else sparse[s++] = b * seq + t;
            }
        }
        return new TokenSplit(left, right, sparse, dense);
    }

    /** Rows of the whole batch. */
    public int rows() {
        return sparse.length + dense.length;
    }

    /** The sparse group's rows of x (n, d): a view of x where they are one run of rows (one sequence), else a copy. */
    public Var sparseRows(Var x) {
        return rowsOf(x, sparse);
    }

    /** The dense group's rows of x (n, d), likewise. */
    public Var denseRows(Var x) {
        return rowsOf(x, dense);
    }

    private static Var rowsOf(Var x, int[] ids) {
        return consecutive(ids) ? RowOps.sliceRows(x, ids[0], ids[0] + ids.length) : RowOps.takeRows(x, ids);
    }

    /** True when ids is one run i, i + 1, ... (and not empty). */
    private static boolean consecutive(int[] ids) {
        if (ids.length == 0) return false;
        for (int i = 1; i < ids.length; i++) if (ids[i] != ids[0] + i) return false;
        return true;
    }

    /**
     * ns when the sparse group is rows [0, ns) and the dense group rows [ns, n) (one sequence whose output tokens
     * are its last positions, or a batch without losses), so that one op can run both groups in place
     * ({@code GroupedLinearOps}); -1 otherwise.
     */
    public int sparseFirst() {
        if (!consecutive(sparse) || sparse[0] != 0) return -1;
        return dense.length == 0 || (consecutive(dense) && dense[0] == sparse.length) ? sparse.length : -1;
    }

    /** Re-joins the two groups' results in token order; an empty group is left out. */
    public Var join(Var sparseResult, Var denseResult) {
        // One sequence: the context rows, then the output rows: the join is a stack of the two.
        if (consecutive(sparse) && consecutive(dense) && sparse[0] == 0 && dense[0] == sparse.length) {
            return RowOps.concatRows(sparseResult, denseResult);
        }
        List<Var> parts = new ArrayList<>(2);
        List<int[]> ids = new ArrayList<>(2);
        if (sparse.length > 0) {
            parts.add(sparseResult);
            ids.add(sparse);
        }
        if (dense.length > 0) {
            parts.add(denseResult);
            ids.add(dense);
        }
        return RowOps.joinRows(parts.toArray(Var[]::new), ids.toArray(int[][]::new), rows());
    }
}
