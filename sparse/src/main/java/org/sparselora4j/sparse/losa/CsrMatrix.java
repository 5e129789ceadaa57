package org.sparselora4j.sparse.losa;

import org.sparselora4j.tensor.Tensor;

/**
 * A sparse (rows, cols) matrix in compressed sparse row form: the non-zeros of row i are
 * values[rowStart[i], rowStart[i+1]) at columns colIndex[same range], columns increasing. A pruned weight
 * (out, in) stored this way multiplies as y = x·Wᵀ with one dot product per output over its surviving inputs
 * ({@link SparseMatMul}).
 */
public record CsrMatrix(int rows, int cols, int[] rowStart, int[] colIndex, float[] values) {
    public CsrMatrix {
        if (rowStart.length != rows + 1 || rowStart[0] != 0 || rowStart[rows] != values.length || colIndex.length != values.length) {
            throw new IllegalArgumentException("inconsistent CSR arrays for " + rows + " x " + cols);
        }
        for (int i = 0; i < rows; i++) {
            if (rowStart[i + 1] < rowStart[i]) throw new IllegalArgumentException("row " + i + " ends before it starts");
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++) {
                if (colIndex[k] < 0 || colIndex[k] >= cols || (k > rowStart[i] && colIndex[k] <= colIndex[k - 1])) {
                    throw new IllegalArgumentException("row " + i + ": column indices must be increasing and in [0, " + cols + ")");
                }
            }
        }
    }

    /** The non-zeros of a dense (rows, cols) matrix. */
    public static CsrMatrix of(Tensor dense) {
        int rows = dense.rows(), cols = dense.cols();
        float[] d = dense.data();
        int nnz = 0;
        for (int i = 0; i < dense.size(); i++) if (d[dense.offset() + i] != 0f) nnz++;
        int[] start = new int[rows + 1];
        int[] col = new int[nnz];
        float[] val = new float[nnz];
        int k = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = d[dense.offset() + i * cols + j];
                if (v != 0f) {
                    col[k] = j;
                    val[k++] = v;
                }
            }
            start[i + 1] = k;
        }
        return new CsrMatrix(rows, cols, start, col, val);
    }

    /** Stored non-zeros. */
    public int nonZeros() {
        return values.length;
    }

    /** Zeros / elements. */
    public double sparsity() {
        return rows * (long) cols == 0 ? 0 : 1.0 - (double) values.length / ((long) rows * cols);
    }

    /** The dense (rows, cols) matrix again. */
    public Tensor toDense() {
        Tensor t = Tensor.zeros(rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int k = rowStart[i]; k < rowStart[i + 1]; k++) t.data()[i * cols + colIndex[k]] = values[k];
        }
        return t;
    }
}
