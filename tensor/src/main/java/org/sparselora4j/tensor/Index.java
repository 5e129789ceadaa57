package org.sparselora4j.tensor;

import java.util.Arrays;

/**
 * A sorted set of distinct non-negative channel indices: the rows or columns a gathered matmul keeps.
 * Checked once here, so kernels only need to check the upper bound against the dimension they index.
 */
public record Index(int[] values) {
    public Index {
        values = values.clone();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0) throw new IllegalArgumentException("negative index " + values[i] + " at position " + i);
            if (i > 0 && values[i] <= values[i - 1]) {
                throw new IllegalArgumentException("indices must be sorted and distinct: " + values[i - 1] + " then " + values[i] + " at position " + i);
            }
        }
    }

    public static Index of(int... values) {
        return new Index(values);
    }

    /** Sorts and de-duplicates the given indices. */
    public static Index sorted(int... values) {
        return new Index(Arrays.stream(values).sorted().distinct().toArray());
    }

    /** All indices 0..n-1. */
    public static Index all(int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return new Index(v);
    }

    public int size() {
        return values.length;
    }

    public int get(int i) {
        return values[i];
    }

    /** The indices (a copy). Kernels that must not copy use {@link #values()} once per call. */
    @Override
    public int[] values() {
        return values.clone();
    }

    /** Throws unless every index is below {@code limit}; {@code what} names the indexed dimension. */
    public Index checkBelow(int limit, String what) {
        if (values.length > 0 && values[values.length - 1] >= limit) {
            throw new IndexOutOfBoundsException("index " + values[values.length - 1] + " is outside " + what + " of size " + limit);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Index other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return values.length <= 16 ? "Index" + Arrays.toString(values) : "Index[" + values.length + " of max " + values[values.length - 1] + "]";
    }
}
