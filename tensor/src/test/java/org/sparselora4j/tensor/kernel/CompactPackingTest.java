package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compact forms of {@link PackedMatrix}: a BF16/F16 weight packed in 16-bit panels, a Q8_0 one as int8 quants
 * and float scales, widened block by block, multiply exactly like the float32 packing of the decoded values (the
 * same panels, so the same bits); the widening equals the scalar twin's; they take half the bytes or less.
 */
class CompactPackingTest {
    @ParameterizedTest
    @EnumSource(value = ElementType.class, names = {"BF16", "F16", "Q8_0"})
    void sixteenBitPanelsMultiplyLikeTheFloat32PackingOfTheDecodedWeight(ElementType type) {
        // k = 800 (three blocks of k), n = 2100 (a column block boundary and a ragged panel), m across the tile edges.
        // k a multiple of 32 for Q8_0 (rows of whole blocks); 800 = 3 blocks of 267 steps, which cut its blocks of 32.
        for (int[] s : new int[][] {{7, 800, 2100}, {40, 288, 70}, {100, 64, 300}}) {
            int m = s[0], k = s[1], n = s[2];
            Tensor w = CompactMatMulTest.randomCompact(type, n, k, k + n), wf = w.toFloat32();
            PackedMatrix compact = PackedMatrix.transposed(w), plain = PackedMatrix.transposed(wf);
            assertThat(compact.compact()).isTrue();
            assertThat(plain.compact()).isFalse();
            assertThat(compact.bytes()).isEqualTo(PackedMatrix.transposedBytes(type, n, k));
            assertThat(compact.bytes() * 2).isLessThanOrEqualTo(plain.bytes());
            Tensor a = Tensor.randn(new SplittableRandom(m), 1f, m, k);
            for (int threads : new int[] {1, 2, 3}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    Tensor start = Tensor.randn(new SplittableRandom(threads), 1f, m, n);
                    Tensor got = start.copy(), expected = start.copy();
                    new Parallel(threads).run(() -> {
                        MatMul.multiply(a, compact, got, accumulate);
                        MatMul.multiply(a, plain, expected, accumulate);
                    });
                    assertThat(got.toArray()).as("%s %dx%dx%d threads %d", type, m, k, n, threads).isEqualTo(expected.toArray());
                }
            }
            // The first columns share the packing (causal attention's keys use it on float32 packings).
            Tensor first = Tensor.zeros(m, n / 2), firstExpected = Tensor.zeros(m, n / 2);
            MatMul.multiply(a, compact.firstColumns(n / 2), first, false);
            MatMul.multiply(a, plain.firstColumns(n / 2), firstExpected, false);
            assertThat(first.toArray()).isEqualTo(firstExpected.toArray());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ElementType.class, names = {"BF16", "F16", "Q8_0"})
    void wideningMatchesItsScalarTwinAndTheFloat32Panels(ElementType type) {
        int k = 800, n = 2100;
        Tensor w = CompactMatMulTest.randomCompact(type, n, k, 5);
        PackedMatrix compact = PackedMatrix.transposed(w), plain = PackedMatrix.transposed(w.toFloat32());
        int nr = MicroKernel.NR, kStep = compact.kStep();
        for (int pc = 0; pc < k; pc += kStep) {
            int kc = Math.min(kStep, k - pc);
            for (int[] cols : new int[][] {{0, n}, {nr, 3 * nr + 1}, {n - n % nr, n % nr}}) {
                int jc = cols[0], nc = cols[1];
                int size = (nc + nr - 1) / nr * kc * nr;
                float[] simd = new float[size + 3], scalar = new float[size + 3];
                assertThat(compact.widen(pc, jc, nc, simd, 3)).isEqualTo(size);
                assertThat(compact.widenScalar(pc, jc, nc, scalar, 3)).isEqualTo(size);
                assertThat(simd).isEqualTo(scalar);
                float[] floats = new float[size];
                System.arraycopy(plain.data(), plain.blockOffset(pc) + jc / nr * kc * nr, floats, 0, size);
                float[] widened = new float[size];
                System.arraycopy(simd, 3, widened, 0, size);
                assertThat(widened).as("block %d columns %d+%d", pc, jc, nc).isEqualTo(floats);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void aPackingBackendKeepsOnlySixteenBitWeightsPackedForTheForwardProduct(ElementType type) {
        Tensor w = CompactMatMulTest.randomCompact(type, 70, 512, 9), wf = w.toFloat32();
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 40, 512), dy = Tensor.randn(new SplittableRandom(2), 1f, 40, 70);
        try (Backend backend = Backend.cpuPackingWeights()) {
            Tensor y = Tensor.zeros(40, 70), dx = Tensor.zeros(40, 512);
            for (int i = 0; i < 2; i++) {
                backend.abT(x, w, y, false);
                backend.ab(dy, w, dx, false);
            }
            assertThat(backend.keptBytes()).isEqualTo(PackedMatrix.packsCompact(type) ? PackedMatrix.transposed(w).bytes() : 0);
            float[] yf = MatMul.abT(x, wf).toArray(), dxf = MatMul.ab(dy, wf).toArray();
            float[] yg = y.toArray(), dxg = dx.toArray();
            for (int i = 0; i < yf.length; i++) assertThat(Math.abs(yg[i] - yf[i])).isLessThanOrEqualTo(1e-4f + 1e-4f * Math.abs(yf[i]));
            for (int i = 0; i < dxf.length; i++) assertThat(Math.abs(dxg[i] - dxf[i])).isLessThanOrEqualTo(1e-4f + 1e-4f * Math.abs(dxf[i]));
        }
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void aWideningBackendKeepsFloatCopiesOfEveryWeightInBothLayouts(ElementType type) {
        Tensor w = CompactMatMulTest.randomCompact(type, 70, 512, 9), wf = w.toFloat32();
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 40, 512), dy = Tensor.randn(new SplittableRandom(2), 1f, 40, 70);
        try (Backend backend = Backend.cpuPackingWeights(Long.MAX_VALUE / 2, true)) {
            Tensor y = Tensor.zeros(40, 70), dx = Tensor.zeros(40, 512);
            for (int i = 0; i < 2; i++) {
                backend.abT(x, w, y, false);
                backend.ab(dy, w, dx, false);
            }
            PackedMatrix t = PackedMatrix.floats(w, true), r = PackedMatrix.floats(w, false);
            assertThat(t.compact() || r.compact()).isFalse();
            assertThat(backend.keptBytes()).isEqualTo(t.bytes() + r.bytes());
            float[] yf = MatMul.abT(x, wf).toArray(), dxf = MatMul.ab(dy, wf).toArray();
            float[] yg = y.toArray(), dxg = dx.toArray();
            for (int i = 0; i < yf.length; i++) assertThat(Math.abs(yg[i] - yf[i])).isLessThanOrEqualTo(1e-4f + 1e-4f * Math.abs(yf[i]));
            for (int i = 0; i < dxf.length; i++) assertThat(Math.abs(dxg[i] - dxf[i])).isLessThanOrEqualTo(1e-4f + 1e-4f * Math.abs(dxf[i]));
        }
    }
}
