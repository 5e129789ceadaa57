package org.sparselora4j.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor in row-major order: a {@link Shape} over a window of a {@code float[]} that starts at
 * {@code offset}. Views ({@link #row}, {@link #rows}, {@link #reshape}) share the array; nothing is copied
 * unless a method says so. Kernels treat any tensor as a matrix of {@link #rows()} x {@link #cols()} (all
 * leading axes flattened), so a (batch, time, dim) activation is a (batch*time, dim) matrix.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final Shape shape;

    private Tensor(float[] data, int offset, Shape shape) {
        if (offset < 0 || (long) offset + shape.size() > data.length) {
            throw new IllegalArgumentException("tensor " + shape + " at offset " + offset + " does not fit in an array of " + data.length);
        }
        this.data = data;
        this.offset = offset;
        this.shape = shape;
    }

    /** A new tensor of zeros. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    public static Tensor zeros(Shape shape) {
        return new Tensor(new float[shape.size()], 0, shape);
    }

    /** Wraps {@code values} (no copy); its length must equal the shape's size. */
    public static Tensor of(Shape shape, float[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + shape);
        }
        return new Tensor(values, 0, shape);
    }

    /** Wraps {@code values} (no copy) as the given dimensions. */
    public static Tensor of(float[] values, int... dims) {
        return of(Shape.of(dims), values);
    }

    /** A view of {@code shape.size()} elements of {@code data} from {@code offset}. */
    public static Tensor view(float[] data, int offset, Shape shape) {
        return new Tensor(data, offset, shape);
    }

    /** A new tensor filled with normal samples of the given standard deviation. */
    public static Tensor randn(SplittableRandom random, float std, int... dims) {
        Tensor t = zeros(dims);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (float) (gaussian(random) * std);
        return t;
    }

    /** A new tensor filled uniformly from [-bound, bound). */
    public static Tensor uniform(SplittableRandom random, float bound, int... dims) {
        Tensor t = zeros(dims);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return t;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: SplittableRandom has no nextGaussian that is stable across JDK versions.
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** The backing array, shared with every view of it. Elements of this tensor start at {@link #offset()}. */
    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public Shape shape() {
        return shape;
    }

    public int size() {
        return shape.size();
    }

    public int rank() {
        return shape.rank();
    }

    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** Rows when seen as a matrix: the product of all axes but the last. */
    public int rows() {
        // The product of leading axes, not size / cols: a (n, 0) matrix (an empty channel selection) has n rows.
        int r = 1;
        for (int axis = 0; axis < shape.rank() - 1; axis++) r *= shape.dim(axis);
        return r;
    }

    /** Columns when seen as a matrix: the last axis (1 for a scalar). */
    public int cols() {
        return shape.rank() == 0 ? 1 : shape.dim(-1);
    }

    /** A view of index {@code i} of the leading axis. */
    public Tensor row(int i) {
        checkLeading(i, i + 1);
        Shape inner = shape.dropFirst();
        return new Tensor(data, offset + i * inner.size(), inner);
    }

    /** A view of indices [from, to) of the leading axis. */
    public Tensor rows(int from, int to) {
        checkLeading(from, to);
        int stride = shape.stride(0);
        return new Tensor(data, offset + from * stride, shape.withFirst(to - from));
    }

    private void checkLeading(int from, int to) {
        if (shape.rank() == 0) throw new IllegalStateException("a scalar has no rows");
        if (from < 0 || to > shape.dim(0) || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") outside leading axis of " + shape);
        }
    }

    /** A view with new dimensions and the same element count. */
    public Tensor reshape(int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + s);
        }
        return new Tensor(data, offset, s);
    }

    public float get(int... index) {
        return data[offset + flatIndex(index)];
    }

    public void set(float value, int... index) {
        data[offset + flatIndex(index)] = value;
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not match shape " + shape);
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape.dim(i)) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside " + shape);
            }
            flat = flat * shape.dim(i) + index[i];
        }
        return flat;
    }

    /** A new tensor with a copy of the elements. */
    public Tensor copy() {
        return new Tensor(toArray(), 0, shape);
    }

    /** The elements, copied into a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + shape.size());
    }

    /** Copies the elements of {@code src} (same size) into this tensor. */
    public Tensor copyFrom(Tensor src) {
        if (src.size() != size()) throw new IllegalArgumentException("cannot copy " + src.shape + " into " + shape);
        System.arraycopy(src.data, src.offset, data, offset, size());
        return this;
    }

    public Tensor fill(float value) {
        Arrays.fill(data, offset, offset + size(), value);
        return this;
    }

    public Tensor zero() {
        return fill(0f);
    }

    /** Throws unless this tensor has exactly the given dimensions; {@code what} names it in the message. */
    public Tensor expect(String what, int... dims) {
        if (!Arrays.equals(shape.dims(), dims)) {
            throw new IllegalArgumentException(what + " has shape " + shape + ", expected " + Arrays.toString(dims));
        }
        return this;
    }

    @Override
    public String toString() {
        return "Tensor" + shape;
    }
}
