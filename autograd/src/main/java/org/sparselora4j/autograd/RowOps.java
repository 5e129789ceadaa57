package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;

/**
 * Differentiable moves of whole rows (tokens): take a subset, put rows back in place, stack and slice. SparseLoRA
 * uses them to split a batch's tokens into a sparse and a dense group and re-join the results in token order.
 * Each has the other as its adjoint: the gradient of a take is a scatter-add, and the other way round.
 */
public final class RowOps {
    private RowOps() {
    }

    /** y[i] = x[rowIds[i]].  x: (n, d) → y: (rowIds.length, d). A repeated id accumulates in the backward. */
    public static Var takeRows(Var x, int[] rowIds) {
        int[] ids = rowIds.clone();
        int n = x.rows(), d = x.cols();
        Tensor y = Tensor.zeros(ids.length, d);
        float[] xd = x.value().data(), yd = y.data();
        for (int i = 0; i < ids.length; i++) {
            checkRow(ids[i], n, i);
            System.arraycopy(xd, x.value().offset() + ids[i] * d, yd, i * d, d);
        }
        return Var.op(y, dy -> {
            if (!x.requiresGrad()) return;
            Tensor dx = x.gradBuffer();
            for (int i = 0; i < ids.length; i++) addRow(dy, i, dx, ids[i], d);
        }, x);
    }

    /**
     * y (totalRows, d) = 0 except y[rowIds[i]] += x[i]: puts rows back at their places. The adjoint of
     * {@link #takeRows}.
     */
    public static Var scatterRows(Var x, int[] rowIds, int totalRows) {
        return joinRows(new Var[] {x}, new int[][] {rowIds}, totalRows);
    }

    /**
     * Re-joins groups of rows in their original order: y (totalRows, d) = 0, then y[rowIds[p][i]] += parts[p][i]
     * for every part p. With disjoint ids that cover every row this is the inverse of taking each group with
     * {@link #takeRows}. Each part gets the rows of dy at its ids.
     */
    public static Var joinRows(Var[] parts, int[][] rowIds, int totalRows) {
        if (parts.length != rowIds.length) throw new IllegalArgumentException(parts.length + " parts but " + rowIds.length + " id lists");
        if (parts.length == 0) throw new IllegalArgumentException("joinRows needs at least one part");
        int d = parts[0].cols();
        int[][] ids = new int[parts.length][];
        for (int p = 0; p < parts.length; p++) {
            ids[p] = rowIds[p].clone();
            if (parts[p].cols() != d) throw new IllegalArgumentException("part " + p + " has " + parts[p].cols() + " columns, part 0 has " + d);
            if (parts[p].rows() != ids[p].length) throw new IllegalArgumentException("part " + p + " has " + parts[p].rows() + " rows but " + ids[p].length + " ids");
        }
        Tensor y = Tensor.zeros(totalRows, d);
        for (int p = 0; p < parts.length; p++) {
            Tensor x = parts[p].value();
            for (int i = 0; i < ids[p].length; i++) {
                checkRow(ids[p][i], totalRows, i);
                addRow(x, i, y, ids[p][i], d);
            }
        }
        Var[] inputs = parts.clone();
        return Var.op(y, dy -> {
            for (int p = 0; p < inputs.length; p++) {
                if (!inputs[p].requiresGrad()) continue;
                Tensor dx = inputs[p].gradBuffer();
                for (int i = 0; i < ids[p].length; i++) addRow(dy, ids[p][i], dx, i, d);
            }
        }, inputs);
    }

    /** Stacks the parts' rows in order: y = [parts[0]; parts[1]; ...], all of the same width. */
    public static Var concatRows(Var... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concatRows needs at least one part");
        int d = parts[0].cols();
        int total = 0;
        for (int p = 0; p < parts.length; p++) {
            if (parts[p].cols() != d) throw new IllegalArgumentException("part " + p + " has " + parts[p].cols() + " columns, part 0 has " + d);
            total += parts[p].rows();
        }
        Tensor y = Tensor.zeros(total, d);
        int[] starts = new int[parts.length];
        int at = 0;
        for (int p = 0; p < parts.length; p++) {
            starts[p] = at;
            Tensor x = parts[p].value();
            y.rows(at, at + x.rows()).copyFrom(x);
            at += x.rows();
        }
        Var[] inputs = parts.clone();
        return Var.op(y, dy -> {
            for (int p = 0; p < inputs.length; p++) {
                if (!inputs[p].requiresGrad()) continue;
                int n = inputs[p].rows();
                Elementwise.axpy(1f, dy.reshape(dy.rows(), d).rows(starts[p], starts[p] + n), inputs[p].gradBuffer());
            }
        }, inputs);
    }

    /** Rows [from, to) of x (n, d), as a view that shares x's data. */
    public static Var sliceRows(Var x, int from, int to) {
        Tensor matrix = x.value().reshape(x.rows(), x.cols());
        Tensor y = matrix.rows(from, to);
        return Var.op(y, dy -> {
            if (!x.requiresGrad()) return;
            Tensor dx = x.gradBuffer();
            Elementwise.axpy(1f, dy, dx.reshape(x.rows(), x.cols()).rows(from, to));
        }, x);
    }

    private static void checkRow(int row, int n, int at) {
        if (row < 0 || row >= n) throw new IndexOutOfBoundsException("row id " + row + " at " + at + " is outside [0, " + n + ")");
    }

    /** dst[dstRow] += src[srcRow], rows of width d of two row-major tensors. */
    private static void addRow(Tensor src, int srcRow, Tensor dst, int dstRow, int d) {
        float[] s = src.data(), t = dst.data();
        int so = src.offset() + srcRow * d, to = dst.offset() + dstRow * d;
        for (int j = 0; j < d; j++) t[to + j] += s[so + j];
    }
}
