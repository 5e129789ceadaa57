package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Products with a compact weight (decoded while B is packed) against the float32 products of the decoded weight:
 * dense in both layouts, packed ahead, on a packing backend, and SparseLoRA's four gathered products.
 */
class CompactMatMulTest {
    /** Random bytes for a (rows, cols) weight of {@code type}, with every f16 scale a small finite number. */
    static Tensor randomCompact(ElementType type, int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long n = (long) rows * cols;
        byte[] bytes = new byte[(int) type.bytes(n)];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) random.nextInt(256);
        int[] halves = switch (type) {
            case F32, BF16, F16 -> new int[0];
            case Q8_0, Q4_0 -> new int[] {0};
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
        };
        for (int b = 0; b < n / type.blockSize(); b++) {
            for (int h : halves) {
                short bits = Float.floatToFloat16((float) (random.nextDouble() * 0.02 - 0.01));
                bytes[b * type.blockBytes() + h] = (byte) bits;
                bytes[b * type.blockBytes() + h + 1] = (byte) (bits >> 8);
            }
        }
        if (type == ElementType.F32 || type == ElementType.BF16 || type == ElementType.F16) {
            // Plain numbers of a sensible size rather than random bit patterns (NaNs, huge exponents).
            var seg = MemorySegment.ofArray(bytes);
            for (long i = 0; i < n; i++) {
                float v = (float) (random.nextDouble() * 2 - 1);
                switch (type) {
                    case F32 -> seg.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4 * i, v);
                    case BF16 -> seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 2 * i,
                            (short) (Float.floatToIntBits(v) >>> 16));
                    default -> seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 2 * i,
                            Float.floatToFloat16(v));
                }
            }
        }
        return Tensor.compact(type, MemorySegment.ofArray(bytes), rows, cols);
    }

    private static void assertClose(Tensor actual, Tensor expected, String what) {
        float[] a = actual.toArray(), e = expected.toArray();
        assertThat(a.length).isEqualTo(e.length);
        for (int i = 0; i < a.length; i++) assertThat(a[i]).as("%s element %d", what, i).isCloseTo(e[i], within(1e-4f + 1e-4f * Math.abs(e[i])));
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void denseProductsMatchTheDecodedWeight(ElementType type) {
        // in = 1024 (k > KC 768: two blocks of k, 512 + 512; whole blocks of 256), out = 70 (a ragged panel), rows 1, 7 and 40.
        Tensor w = randomCompact(type, 70, 1024, 1), wf = w.toFloat32();
        SplittableRandom random = new SplittableRandom(2);
        for (int m : new int[] {1, 7, 40}) {
            Tensor x = Tensor.randn(random, 1f, m, 1024), dy = Tensor.randn(random, 1f, m, 70);
            assertClose(MatMul.abT(x, w), MatMul.abT(x, wf), type + " abT m=" + m);
            assertClose(MatMul.ab(dy, w), MatMul.ab(dy, wf), type + " ab m=" + m);
            Tensor packed = Tensor.zeros(m, 70);
            MatMul.multiply(x, PackedMatrix.transposed(w), packed, false);
            assertClose(packed, MatMul.abT(x, wf), type + " packed abT m=" + m);
            try (Backend backend = Backend.cpuPackingWeights()) {
                Tensor viaBackend = Tensor.zeros(m, 1024);
                backend.ab(dy, w, viaBackend, false);
                backend.ab(dy, w, viaBackend, true);
                Tensor twice = MatMul.ab(dy, wf);
                MatMul.ab(dy, wf, twice, true);
                assertClose(viaBackend, twice, type + " backend ab m=" + m);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void gatheredProductsMatchTheDecodedWeight(ElementType type) {
        Tensor w = randomCompact(type, 96, 512, 3), wf = w.toFloat32();
        SplittableRandom random = new SplittableRandom(4);
        int n = 30;
        Index rows = new Index(IntStream.range(0, 96).filter(i -> i % 3 != 1).toArray());
        Index cols = new Index(IntStream.range(0, 512).filter(i -> i % 5 == 0 || i % 7 == 0).toArray());
        Tensor x = Tensor.randn(random, 1f, n, 512);
        Tensor dyRows = Tensor.randn(random, 1f, n, rows.size());
        Tensor dy = Tensor.randn(random, 1f, n, 96);
        Tensor expected = Tensor.zeros(n, rows.size());
        GatheredMatMul.rowsAbTScalar(x, wf, rows, expected, false);
        assertClose(GatheredMatMul.rowsAbT(x, w, rows), expected, type + " rowsAbT");
        expected = Tensor.zeros(n, 512);
        GatheredMatMul.rowsAbScalar(dyRows, wf, rows, expected, false);
        assertClose(GatheredMatMul.rowsAb(dyRows, w, rows), expected, type + " rowsAb");
        expected = Tensor.zeros(n, 96);
        GatheredMatMul.colsAbTScalar(x, wf, cols, false, expected, false);
        assertClose(GatheredMatMul.colsAbT(x, w, cols, false), expected, type + " colsAbT");
        expected = Tensor.zeros(n, cols.size());
        GatheredMatMul.colsAbScalar(dy, wf, cols, expected, false);
        assertClose(GatheredMatMul.colsAb(dy, w, cols), expected, type + " colsAb");
    }
}
