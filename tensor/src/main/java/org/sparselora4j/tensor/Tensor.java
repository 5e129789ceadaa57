package org.sparselora4j.tensor;

import org.sparselora4j.tensor.kernel.Dequant;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor in row-major order: a {@link Shape} over a window of a {@code float[]} that starts at
 * {@code offset}. Views ({@link #row}, {@link #rows}, {@link #reshape}) share the array; nothing is copied
 * unless a method says so. Kernels treat any tensor as a matrix of {@link #rows()} x {@link #cols()} (all
 * leading axes flattened), so a (batch, time, dim) activation is a (batch*time, dim) matrix.
 *
 * <p>A frozen weight may instead be <em>compact</em> ({@link #compact}): read-only bytes of another
 * {@link ElementType} (BF16, Q8_0, Q4_K, ...), often a mapped model file, used where they lie. Only the matrix
 * products ({@code MatMul}, {@code GatheredMatMul}, a backend), row decoding ({@link #decodeRow}) and
 * {@link #toFloat32} read one; {@link #data()} refuses, so any other use fails loudly instead of copying.
 */
public final class Tensor {
    private static final float[] NO_FLOATS = new float[0];

    private final float[] data;
    private final int offset;
    private final Shape shape;
    /** The stored elements of a compact tensor, row after row; null for a float32 tensor on the heap. */
    private final MemorySegment bytes;
    private final ElementType type;

    private Tensor(float[] data, int offset, Shape shape) {
        if (offset < 0 || (long) offset + shape.size() > data.length) {
            throw new IllegalArgumentException("tensor " + shape + " at offset " + offset + " does not fit in an array of " + data.length);
        }
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.bytes = null;
        this.type = ElementType.F32;
    }

    private Tensor(ElementType type, MemorySegment bytes, Shape shape) {
        this.data = NO_FLOATS;
        this.offset = 0;
        this.shape = shape;
        this.bytes = bytes;
        this.type = type;
    }

    /**
     * A read-only tensor over {@code bytes} holding its elements in {@code type}, row after row (rows must be whole
     * blocks of the type); nothing is copied or decoded.
     */
    public static Tensor compact(ElementType type, MemorySegment bytes, int... dims) {
        Shape s = Shape.of(dims);
        int cols = s.rank() == 0 ? 1 : s.dim(-1);
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " stores rows of whole " + type.blockSize() + "-element blocks; " + s + " has rows of " + cols);
        }
        if (bytes.byteSize() != type.bytes(s.size())) {
            throw new IllegalArgumentException("a " + type + " tensor " + s + " takes " + type.bytes(s.size()) + " bytes, got " + bytes.byteSize());
        }
        return new Tensor(type, bytes, s);
    }

    /** True for a compact tensor ({@link #compact}), whose elements are bytes of {@link #type()}, not a float array. */
    public boolean isCompact() {
        return bytes != null;
    }

    /** How the elements are stored: F32 for a heap tensor. */
    public ElementType type() {
        return type;
    }

    /** The stored bytes of a compact tensor. */
    public MemorySegment bytes() {
        if (bytes == null) throw new IllegalStateException("a float32 heap tensor " + shape + " has no stored bytes");
        return bytes;
    }

    /** Bytes that hold the elements: the stored bytes of a compact tensor, four per element otherwise. */
    public long storageBytes() {
        return bytes != null ? bytes.byteSize() : 4L * shape.size();
    }

    /** This tensor as float32 on the heap: itself if it is one, else a decoded copy. */
    public Tensor toFloat32() {
        if (bytes == null) return this;
        if (shape.size() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a " + shape + " tensor exceeds one float array");
        float[] out = new float[shape.size()];
        Dequant.decode(type, bytes, 0, out.length, out, 0);
        return new Tensor(out, 0, shape);
    }

    /** Decodes row {@code r} of the matrix view into {@code dst} from {@code dstOffset} (cols floats). */
    public void decodeRow(int r, float[] dst, int dstOffset) {
        int cols = cols();
        if (r < 0 || r >= rows()) throw new IndexOutOfBoundsException("row " + r + " outside " + shape);
        if (bytes == null) System.arraycopy(data, offset + r * cols, dst, dstOffset, cols);
        else Dequant.decode(type, bytes, (long) r * cols, cols, dst, dstOffset);
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
        if (bytes != null) {
            throw new IllegalStateException("a " + type + " weight " + shape + " is compact and has no float32 array (this use needs --weights f32)");
        }
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
        if (bytes != null) return compact(type, bytes.asSlice(type.bytes((long) i * inner.size()), type.bytes(inner.size())), inner.dims());
        return new Tensor(data, offset + i * inner.size(), inner);
    }

    /** A view of indices [from, to) of the leading axis. */
    public Tensor rows(int from, int to) {
        checkLeading(from, to);
        int stride = shape.stride(0);
        if (bytes != null) {
            return compact(type, bytes.asSlice(type.bytes((long) from * stride), type.bytes((long) (to - from) * stride)), shape.withFirst(to - from).dims());
        }
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
        if (bytes != null) return compact(type, bytes, dims);
        return new Tensor(data, offset, s);
    }

    public float get(int... index) {
        if (bytes != null) return Dequant.decodeOne(type, bytes, flatIndex(index));
        return data[offset + flatIndex(index)];
    }

    public void set(float value, int... index) {
        data()[offset + flatIndex(index)] = value;
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

    /** A new float32 tensor with a copy of the elements (decoded, for a compact one). */
    public Tensor copy() {
        return new Tensor(toArray(), 0, shape);
    }

    /** The elements, copied (decoded, for a compact tensor) into a new array. */
    public float[] toArray() {
        if (bytes != null) return toFloat32().data;
        return Arrays.copyOfRange(data, offset, offset + shape.size());
    }

    /** Copies the elements of {@code src} (same size) into this tensor. */
    public Tensor copyFrom(Tensor src) {
        if (src.size() != size()) throw new IllegalArgumentException("cannot copy " + src.shape + " into " + shape);
        System.arraycopy(src.data(), src.offset, data(), offset, size());
        return this;
    }

    public Tensor fill(float value) {
        Arrays.fill(data(), offset, offset + size(), value);
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
        return bytes != null ? "Tensor" + shape + " " + type : "Tensor" + shape;
    }
}
