package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.tensor.kernel.Matrices.assertClose;
import static org.sparselora4j.tensor.kernel.Matrices.assertUntouchedOutside;
import static org.sparselora4j.tensor.kernel.Matrices.outputView;
import static org.sparselora4j.tensor.kernel.Matrices.view;

class PackedMatrixTest {
    private static final int V = FloatVector.SPECIES_PREFERRED.length();

    /** m x k x n: tile edges, several k blocks (KC = 384), a column block boundary (NC = 2048), the small path (m < MR). */
    static Stream<Arguments> shapes() {
        List<int[]> mkn = List.of(new int[] {7, 17, 2 * V + 1}, new int[] {100, 257, 100}, new int[] {13, 800, 2 * V},
                new int[] {33, 20, 2100}, new int[] {250, 400, 70}, new int[] {3, 64, 90}, new int[] {64, 8, 300});
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mkn) {
            for (boolean transposed : new boolean[] {true, false}) {
                for (int threads : new int[] {1, 2, 3}) out.add(Arguments.of(transposed, threads, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "transposed={0} threads={1} {2}x{3}x{4}")
    @MethodSource("shapes")
    void packedProductMatchesScalarTwin(boolean transposed, int threads, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(m * 7919L + k * 31L + n);
        Tensor a = view(random, m, k);
        Tensor w = transposed ? view(random, n, k) : view(random, k, n);
        PackedMatrix packed = transposed ? PackedMatrix.transposed(w) : PackedMatrix.rowMajor(w);
        assertThat(packed.k()).isEqualTo(k);
        assertThat(packed.n()).isEqualTo(n);
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor start = Tensor.randn(random, 1f, m, n);
            Tensor out = outputView(m, n, 9f).copyFrom(start);
            Tensor expected = start.copy();
            new Parallel(threads).run(() -> MatMul.multiply(a, packed, out, accumulate));
            if (transposed) MatMul.abTScalar(a, w, expected, accumulate);
            else MatMul.abScalar(a, w, expected, accumulate);
            assertClose(out, expected, k);
            assertUntouchedOutside(out, 9f);
        }
    }

    @Test
    void firstColumnsOfAPackingMultiplyLikeThoseColumnsOfTheMatrix() {
        SplittableRandom random = new SplittableRandom(7);
        int k = 800, n = 3 * MicroKernel.NR + 5; // several blocks of k; views ending inside and at the edge of a panel
        Tensor w = view(random, n, k);
        Tensor a = view(random, 30, k);
        float[] scratch = new float[(int) PackedMatrix.floatsFor(k, n)];
        PackedMatrix packed = PackedMatrix.transposed(w, scratch);
        for (int columns : new int[] {0, 1, MicroKernel.NR, MicroKernel.NR + 3, n}) {
            Tensor out = Tensor.zeros(30, columns);
            MatMul.multiply(a, packed.firstColumns(columns), out, false);
            Tensor expected = Tensor.zeros(30, columns);
            MatMul.abTScalar(a, w.rows(0, columns), expected, false);
            assertClose(out, expected, k);
        }
        assertThatThrownBy(() -> packed.firstColumns(n + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void packingIntoScratchReusesItWhenLargeEnoughAndLeavesASmallOneAlone() {
        SplittableRandom random = new SplittableRandom(8);
        Tensor a = Tensor.randn(random, 1f, 12, 64);
        float[] scratch = new float[(int) PackedMatrix.floatsFor(64, 40)];
        Tensor w = Tensor.randn(random, 1f, 40, 64);
        PackedMatrix packed = PackedMatrix.transposed(w, scratch);
        assertThat(packed.data()).isSameAs(scratch);
        Tensor out = Tensor.zeros(12, 40);
        MatMul.multiply(a, packed, out, false);
        assertClose(out, MatMul.abT(a, w), 64);
        float[] before = scratch.clone();
        PackedMatrix larger = PackedMatrix.transposed(Tensor.randn(random, 1f, 40 + MicroKernel.NR, 64), scratch);
        assertThat(larger.data()).isNotSameAs(scratch);
        assertThat(scratch).containsExactly(before);
    }

    @Test
    void firstColumnsOfARowMajorPackingOnSeveralThreads() {
        SplittableRandom random = new SplittableRandom(9);
        int k = 500, n = 2100, m = 40; // two blocks of k, columns past one NC block
        Tensor w = view(random, k, n);
        Tensor a = view(random, m, k);
        PackedMatrix packed = PackedMatrix.rowMajor(w);
        for (int columns : new int[] {MicroKernel.NR - 1, 2049, n}) {
            for (int threads : new int[] {1, 3}) {
                Tensor out = Tensor.zeros(m, columns);
                new Parallel(threads).run(() -> MatMul.multiply(a, packed.firstColumns(columns), out, false));
                Tensor expected = Tensor.zeros(m, columns);
                Tensor wc = Tensor.zeros(k, columns);
                for (int p = 0; p < k; p++) for (int j = 0; j < columns; j++) wc.set(w.get(p, j), p, j);
                MatMul.abScalar(a, wc, expected, false);
                assertClose(out, expected, k);
            }
        }
    }

    @Test
    void packedCopyHoldsTheValuesAtPackingTime() {
        SplittableRandom random = new SplittableRandom(11);
        Tensor a = Tensor.randn(random, 1f, 40, 30);
        Tensor w = Tensor.randn(random, 1f, 50, 30);
        PackedMatrix packed = PackedMatrix.transposed(w);
        Tensor expected = MatMul.abT(a, w);
        w.fill(0f);
        Tensor out = Tensor.zeros(40, 50);
        MatMul.multiply(a, packed, out, false);
        assertClose(out, expected, 30);
    }

    @Test
    void sizeIsTheMatrixPaddedToWholePanels() {
        Tensor w = Tensor.zeros(70, 33);
        assertThat(PackedMatrix.transposed(w).floats()).isEqualTo(33L * ((70 + MicroKernel.NR - 1) / MicroKernel.NR) * MicroKernel.NR);
    }

    @Test
    void mismatchedShapesAreNamed() {
        PackedMatrix packed = PackedMatrix.transposed(Tensor.zeros(50, 30));
        assertThatThrownBy(() -> MatMul.multiply(Tensor.zeros(4, 29), packed, Tensor.zeros(4, 50), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("29").hasMessageContaining("30 x 50");
        assertThatThrownBy(() -> MatMul.multiply(Tensor.zeros(4, 30), packed, Tensor.zeros(4, 49), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4x50");
    }
}
