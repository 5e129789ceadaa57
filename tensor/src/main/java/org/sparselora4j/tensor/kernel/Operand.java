package org.sparselora4j.tensor.kernel;

/**
 * How the GEMM core reads one operand: element (r, c) of a logical rows x cols matrix is
 * {@code data[offset + row(r) * rowStride + col(c) * colStride]}, where {@code row(r)} is {@code rowIndex[r]}
 * (or r when there is no index) and likewise for columns. One descriptor covers a plain row-major matrix, its
 * transpose (strides swapped) and a gather of chosen rows or columns, so packing reads the chosen channels in
 * place and no gathered copy is ever made.
 *
 * @param rowIndex the stored row of each logical row, or null for the identity
 * @param colIndex the stored column of each logical column, or null for the identity
 */
record Operand(float[] data, int offset, int rowStride, int colStride, int[] rowIndex, int[] colIndex) {

    /** A row-major (rows, cols) matrix stored with {@code cols} floats per row. */
    static Operand rowMajor(float[] data, int offset, int cols) {
        return new Operand(data, offset, cols, 1, null, null);
    }

    /** The transpose of a row-major matrix that has {@code storedCols} floats per row. */
    static Operand transposed(float[] data, int offset, int storedCols) {
        return new Operand(data, offset, 1, storedCols, null, null);
    }

    Operand withRowIndex(int[] index) {
        return new Operand(data, offset, rowStride, colStride, index, colIndex);
    }

    Operand withColIndex(int[] index) {
        return new Operand(data, offset, rowStride, colStride, rowIndex, index);
    }

    /** The transpose: element (r, c) of the result is element (c, r) of this. */
    Operand transpose() {
        return new Operand(data, offset, colStride, rowStride, colIndex, rowIndex);
    }

    /** Array position of element (r, c). */
    int at(int r, int c) {
        return offset + row(r) * rowStride + col(c) * colStride;
    }

    int row(int r) {
        return rowIndex == null ? r : rowIndex[r];
    }

    int col(int c) {
        return colIndex == null ? c : colIndex[c];
    }

    /** True when a run of consecutive logical columns of one row is contiguous in memory. */
    boolean rowsContiguous() {
        return colStride == 1 && colIndex == null;
    }

    /** True when a run of consecutive logical rows of one column is contiguous in memory. */
    boolean colsContiguous() {
        return rowStride == 1 && rowIndex == null;
    }
}
