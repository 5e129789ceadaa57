package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * How the GEMM core reads one operand: element (r, c) of a logical rows x cols matrix is
 * {@code data[offset + row(r) * rowStride + col(c) * colStride]}, where {@code row(r)} is {@code rowIndex[r]}
 * (or r when there is no index) and likewise for columns. One descriptor covers a plain row-major matrix, its
 * transpose (strides swapped) and a gather of chosen rows or columns, so packing reads the chosen channels in
 * place and no gathered copy is ever made.
 *
 * <p>A compact weight ({@link Tensor#compact}) is a B operand whose {@code bytes} hold the stored matrix in its
 * {@code type}: then {@link #at} is the position of an element among the stored ones (the same strides, in
 * elements), {@code data} is empty, and only {@link Packing#packB} reads it, decoding while it packs
 * ({@link Dequant}); the micro-kernel and the blocking never see the difference.
 *
 * @param rowIndex the stored row of each logical row, or null for the identity
 * @param colIndex the stored column of each logical column, or null for the identity
 * @param bytes    the stored elements of a compact matrix, or null for floats in {@code data}
 * @param type     how {@code bytes} stores them (F32 for {@code data})
 */
record Operand(float[] data, int offset, int rowStride, int colStride, int[] rowIndex, int[] colIndex, MemorySegment bytes, ElementType type) {
    private static final float[] NONE = new float[0];

    Operand(float[] data, int offset, int rowStride, int colStride, int[] rowIndex, int[] colIndex) {
        this(data, offset, rowStride, colStride, rowIndex, colIndex, null, ElementType.F32);
    }

    /** A row-major (rows, cols) matrix stored with {@code cols} floats per row. */
    static Operand rowMajor(float[] data, int offset, int cols) {
        return new Operand(data, offset, cols, 1, null, null);
    }

    /** The transpose of a row-major matrix that has {@code storedCols} floats per row. */
    static Operand transposed(float[] data, int offset, int storedCols) {
        return new Operand(data, offset, 1, storedCols, null, null);
    }

    /** The matrix view of {@code t}, row-major: floats in place, or a compact tensor's stored elements. */
    static Operand rowMajor(Tensor t) {
        if (!t.isCompact()) return rowMajor(t.data(), t.offset(), t.cols());
        return new Operand(NONE, 0, t.cols(), 1, null, null, t.bytes(), t.type());
    }

    /** The transpose of the matrix view of {@code t}. */
    static Operand transposed(Tensor t) {
        return rowMajor(t).transpose();
    }

    /** True when the elements are a compact tensor's bytes, which only packing reads. */
    boolean compact() {
        return bytes != null;
    }

    Operand withRowIndex(int[] index) {
        return new Operand(data, offset, rowStride, colStride, index, colIndex, bytes, type);
    }

    Operand withColIndex(int[] index) {
        return new Operand(data, offset, rowStride, colStride, rowIndex, index, bytes, type);
    }

    /** The transpose: element (r, c) of the result is element (c, r) of this. */
    Operand transpose() {
        return new Operand(data, offset, colStride, rowStride, colIndex, rowIndex, bytes, type);
    }

    /** Array position (for a compact matrix: stored element) of element (r, c). */
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
