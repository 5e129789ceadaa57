package org.sparselora4j.tensor;

import java.util.Arrays;

/**
 * The dimensions of a row-major tensor. Every dimension is at least 0 and the element count fits in an
 * {@code int}; both are checked here so that no kernel ever sees a negative or overflowing size.
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("negative dimension " + dims[i] + " at axis " + i + " in " + Arrays.toString(dims));
            }
            count *= dims[i];
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        this.dims = dims;
        this.size = (int) count;
    }

    /** A shape with the given dimensions (copied). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis < 0 ? dims.length + axis : axis];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** The dimensions (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** Elements per step of the given axis (row-major). */
    public int stride(int axis) {
        int stride = 1;
        for (int i = dims.length - 1; i > axis; i--) stride *= dims[i];
        return stride;
    }

    /** This shape without its leading axis. */
    public Shape dropFirst() {
        if (dims.length == 0) throw new IllegalStateException("a scalar shape has no leading axis");
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** This shape with the leading axis replaced by {@code n}. */
    public Shape withFirst(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
