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

class MatMulTest {
    private static final int V = FloatVector.SPECIES_PREFERRED.length();
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel TWO = new Parallel(2);
    private static final Parallel THREE = new Parallel(3);

    enum Layout { AB_T, AB, A_T_B }

    /** m x k x n: vector tails (V ± 1), tile edges (MR = 6, NR = 2V), blocks of k (KC = 384), M (MC = 240) and N (NC = 2048), tiny and decode shapes. */
    static Stream<Arguments> shapes() {
        int[] sizes = {1, 7, V - 1, V + 1, 17, 100, 257};
        List<int[]> mkn = new ArrayList<>();
        for (int s : sizes) mkn.add(new int[] {s, s, s});
        mkn.add(new int[] {1, 64, 64});       // decode
        mkn.add(new int[] {1, 300, 700});     // decode, split over threads
        mkn.add(new int[] {300, 8, 200});     // LoRA up-projection: k = rank
        mkn.add(new int[] {300, 200, 8});     // LoRA down-projection: n = rank
        mkn.add(new int[] {8, 300, 200});     // aTb of a LoRA factor
        mkn.add(new int[] {5, 40, 2 * V + 3});
        mkn.add(new int[] {385, 33, 70});     // crosses an MC block of A
        mkn.add(new int[] {13, 800, 2 * V});  // three k blocks
        mkn.add(new int[] {33, 20, 2100});    // crosses an NC block of B
        mkn.add(new int[] {100, 1, 100});     // k = 1
        mkn.add(new int[] {600, 70, 8});      // narrow paths: dy · B and dyᵀ · u of a LoRA factor (n = rank)
        mkn.add(new int[] {8, 900, 3 * V + 5}); // short: B read in place over three k blocks, a ragged last panel
        mkn.add(new int[] {12, 40, 4 * V});
        mkn.add(new int[] {300, 1, 8 * V + 5}); // k = 1 over two MC blocks of A, a ragged last panel of packed B
        mkn.add(new int[] {1100, 33, 5});
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mkn) {
            for (Layout layout : Layout.values()) out.add(Arguments.of(layout, s[0], s[1], s[2]));
        }
        return out.stream();
    }

    /** The operands for out(m,n) in the given layout: a is (m,k) or (k,m) for aTb, b is (n,k) for abT or (k,n). */
    private static Tensor[] operands(SplittableRandom random, Layout layout, int m, int k, int n) {
        Tensor a = layout == Layout.A_T_B ? view(random, k, m) : view(random, m, k);
        Tensor b = layout == Layout.AB_T ? view(random, n, k) : view(random, k, n);
        return new Tensor[] {a, b};
    }

    private static void simd(Layout layout, Tensor a, Tensor b, Tensor out, boolean accumulate) {
        switch (layout) {
            case AB_T -> MatMul.abT(a, b, out, accumulate);
            case AB -> MatMul.ab(a, b, out, accumulate);
            case A_T_B -> MatMul.aTb(a, b, out, accumulate);
        }
    }

    private static void scalar(Layout layout, Tensor a, Tensor b, Tensor out, boolean accumulate) {
        switch (layout) {
            case AB_T -> MatMul.abTScalar(a, b, out, accumulate);
            case AB -> MatMul.abScalar(a, b, out, accumulate);
            case A_T_B -> MatMul.aTbScalar(a, b, out, accumulate);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("shapes")
    void simdMatchesScalarTwinOnViews(Layout layout, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(m * 31L + k * 7L + n);
        Tensor[] ab = operands(random, layout, m, k, n);
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor start = Tensor.randn(random, 1f, m, n);
            Tensor out = outputView(m, n, 9f).copyFrom(start);
            Tensor expected = start.copy();
            simd(layout, ab[0], ab[1], out, accumulate);
            scalar(layout, ab[0], ab[1], expected, accumulate);
            assertClose(out, expected, k);
            assertUntouchedOutside(out, 9f);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("shapes")
    void packedCoreAndSmallPathBothMatchScalarTwin(Layout layout, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(k * 131L + n);
        Tensor[] ab = operands(random, layout, m, k, n);
        Tensor expected = Tensor.zeros(m, n);
        scalar(layout, ab[0], ab[1], expected, false);
        Operand a = layout == Layout.A_T_B
                ? Operand.transposed(ab[0].data(), ab[0].offset(), m) : Operand.rowMajor(ab[0].data(), ab[0].offset(), k);
        Operand b = layout == Layout.AB_T
                ? Operand.transposed(ab[1].data(), ab[1].offset(), k) : Operand.rowMajor(ab[1].data(), ab[1].offset(), n);
        for (GemmPlan plan : plans()) {
            Tensor packed = Tensor.zeros(m, n);
            Gemm.multiply(plan, a, b, m, k, n, packed.data(), 0, n, false);
            assertClose(packed, expected, k);
        }
        Tensor small = Tensor.zeros(m, n);
        SmallMatMul.multiply(a, b, m, k, n, small.data(), 0, n, false);
        assertClose(small, expected, k);
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("shapes")
    void threadCountDoesNotChangeTheResult(Layout layout, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(n * 17L + m);
        Tensor[] ab = operands(random, layout, m, k, n);
        Tensor single = Tensor.zeros(m, n);
        ONE.run(() -> simd(layout, ab[0], ab[1], single, false));
        for (Parallel parallel : new Parallel[] {TWO, THREE}) {
            Tensor multi = Tensor.zeros(m, n);
            parallel.run(() -> simd(layout, ab[0], ab[1], multi, false));
            // Not bitwise: the small path's reduceLanes may add lanes in another order once C2 compiles it.
            assertClose(multi, single, k);
        }
    }

    @Test
    void rowAndColumnSplitsGiveTheBitsOfOneThread() {
        SplittableRandom random = new SplittableRandom(9);
        GemmPlan plan = GemmPlan.current();
        // Few columns: rows split (each thread packs its share of A); many columns: columns split.
        assertThat(Gemm.splitColumns(2, plan.mr(), 300, 200, 40, false)).isFalse();
        assertThat(Gemm.splitColumns(2, plan.mr(), 512, 896, 128, true)).isFalse();
        assertThat(Gemm.splitColumns(2, plan.mr(), 100, 200, 600, false)).isTrue();
        assertThat(Gemm.splitColumns(2, plan.mr(), 100, 768, 4096, true)).isTrue();
        for (int[] shape : new int[][] {{300, 200, 40}, {100, 200, 600}, {77, 50, 33}}) {
            int m = shape[0], k = shape[1], n = shape[2];
            Tensor a = Tensor.randn(random, 1f, m, k), w = Tensor.randn(random, 1f, n, k);
            PackedMatrix packed = PackedMatrix.transposed(w);
            float[] one = new float[m * n], onePacked = new float[m * n];
            ONE.run(() -> Gemm.multiply(plan, Operand.rowMajor(a.data(), 0, k), Operand.transposed(w), m, k, n, one, 0, n, false));
            ONE.run(() -> Gemm.multiply(plan, Operand.rowMajor(a.data(), 0, k), packed, m, onePacked, 0, n, false));
            for (Parallel parallel : new Parallel[] {TWO, THREE}) {
                float[] c = new float[m * n], cp = new float[m * n];
                parallel.run(() -> Gemm.multiply(plan, Operand.rowMajor(a.data(), 0, k), Operand.transposed(w), m, k, n, c, 0, n, false));
                parallel.run(() -> Gemm.multiply(plan, Operand.rowMajor(a.data(), 0, k), packed, m, cp, 0, n, false));
                assertThat(c).as("%dx%dx%d", m, k, n).isEqualTo(one);
                assertThat(cp).as("%dx%dx%d packed", m, k, n).isEqualTo(onePacked).isEqualTo(one);
            }
        }
    }

    @Test
    void largeProductOnThreeThreadsMatchesScalarTwin() {
        SplittableRandom random = new SplittableRandom(5);
        int m = 400, k = 300, n = 530;
        for (Layout layout : Layout.values()) {
            Tensor[] ab = operands(random, layout, m, k, n);
            Tensor out = Tensor.zeros(m, n);
            Tensor expected = Tensor.zeros(m, n);
            THREE.run(() -> simd(layout, ab[0], ab[1], out, false));
            scalar(layout, ab[0], ab[1], expected, false);
            assertClose(out, expected, k);
        }
    }

    @Test
    void emptyInnerDimensionGivesZerosOrLeavesOutput() {
        for (Layout layout : Layout.values()) {
            Tensor a = layout == Layout.A_T_B ? Tensor.zeros(0, 50) : Tensor.zeros(50, 0);
            Tensor b = layout == Layout.AB_T ? Tensor.zeros(60, 0) : Tensor.zeros(0, 60);
            Tensor out = Tensor.zeros(50, 60).fill(3f);
            simd(layout, a, b, out, true);
            assertThat(out.toArray()).as("%s accumulate", layout).containsOnly(3f);
            simd(layout, a, b, out, false);
            assertThat(out.toArray()).as("%s overwrite", layout).containsOnly(0f);
        }
        float[] c = new float[50 * 60];
        Gemm.multiply(Operand.rowMajor(new float[0], 0, 0), Operand.rowMajor(new float[0], 0, 60), 50, 0, 60, c, 0, 60, false);
        assertThat(c).containsOnly(0f);
    }

    @Test
    void allocatingOverloadsReturnTheProduct() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2);
        assertThat(MatMul.ab(a, b).toArray()).containsExactly(19, 22, 43, 50);
        assertThat(MatMul.abT(a, b).toArray()).containsExactly(17, 23, 39, 53);
        assertThat(MatMul.aTb(a, b).toArray()).containsExactly(26, 30, 38, 44);
    }

    @Test
    void innerDimensionMismatchNamesBothShapes() {
        Tensor a = Tensor.zeros(4, 3), b = Tensor.zeros(5, 2);
        assertThatThrownBy(() -> MatMul.abT(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("abT").hasMessageContaining("[4, 3]").hasMessageContaining("[5, 2]");
        assertThatThrownBy(() -> MatMul.ab(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ab").hasMessageContaining("[4, 3]").hasMessageContaining("[5, 2]");
        assertThatThrownBy(() -> MatMul.aTb(a, b)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aTb").hasMessageContaining("[4, 3]").hasMessageContaining("[5, 2]");
    }

    @Test
    void wrongOutputShapeIsNamed() {
        Tensor a = Tensor.zeros(4, 3), b = Tensor.zeros(5, 3);
        assertThatThrownBy(() -> MatMul.abT(a, b, Tensor.zeros(5, 4), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[5, 4]").hasMessageContaining("4x5");
    }

    /**
     * Every register tile with the blocks this machine would give it, and with blocks small enough that the
     * shapes above cross blocks of rows, columns and k (one row of tiles per A block, two panels per B block).
     */
    static List<GemmPlan> plans() {
        List<GemmPlan> plans = new ArrayList<>();
        for (int mr : GemmPlan.TILE_ROWS) {
            plans.add(GemmPlan.forTile(mr, Machine.current()));
            plans.add(new GemmPlan(mr, 64, mr, 2 * MicroKernel.NR));
        }
        return plans;
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("shapes")
    void everyPlanOnThreeThreadsMatchesScalarTwin(Layout layout, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(k * 37L + m);
        Tensor[] ab = operands(random, layout, m, k, n);
        Tensor start = Tensor.randn(random, 1f, m, n);
        Tensor expected = start.copy();
        scalar(layout, ab[0], ab[1], expected, true);
        Operand a = layout == Layout.A_T_B
                ? Operand.transposed(ab[0].data(), ab[0].offset(), m) : Operand.rowMajor(ab[0].data(), ab[0].offset(), k);
        Operand b = layout == Layout.AB_T
                ? Operand.transposed(ab[1].data(), ab[1].offset(), k) : Operand.rowMajor(ab[1].data(), ab[1].offset(), n);
        for (GemmPlan plan : plans()) {
            Tensor out = start.copy();
            THREE.run(() -> Gemm.multiply(plan, a, b, m, k, n, out.data(), 0, n, true));
            assertClose(out, expected, k);
        }
    }

    @Test
    void everyMicroKernelTileMatchesItsScalarTwin() {
        SplittableRandom random = new SplittableRandom(3);
        int kc = 37, ldc = MicroKernel.NR + 5;
        for (int mr : GemmPlan.TILE_ROWS) {
            float[] a = Tensor.randn(random, 1f, kc * mr + 4).data();
            // A as a packed panel (rows 1 apart, steps mr apart) and read in place (rows kc + 3 apart, steps 1 apart).
            float[] aRows = Tensor.randn(random, 1f, mr * (kc + 3) + 4).data();
            // B as a packed panel (rows NR apart) and as a row-major matrix read in place (rows further apart).
            for (int ldb : new int[] {MicroKernel.NR, MicroKernel.NR + 7}) {
                float[] b = Tensor.randn(random, 1f, kc * ldb + 2).data();
                for (boolean load : new boolean[] {false, true}) {
                    for (boolean packedA : new boolean[] {true, false}) {
                        float[] ad = packedA ? a : aRows;
                        int ars = packedA ? 1 : kc + 3, acs = packedA ? mr : 1;
                        float[] c = Tensor.randn(random, 1f, 3 + mr * ldc).data();
                        float[] expected = c.clone();
                        MicroKernel.tile(mr, ad, 4, ars, acs, b, 2, ldb, kc, c, 3, ldc, load);
                        MicroKernel.tileScalar(mr, ad, 4, ars, acs, b, 2, ldb, kc, expected, 3, ldc, load);
                        assertClose(Tensor.of(c, c.length), Tensor.of(expected, expected.length), kc);
                    }
                }
            }
        }
    }

    @Test
    void constantStrideTilesMatchTheScalarTwinAndTheStridedTile() {
        SplittableRandom random = new SplittableRandom(4);
        int ldc = MicroKernel.NR + 5;
        for (int kc : new int[] {1, 37, 384, 768}) {
            for (int mr : GemmPlan.TILE_ROWS) {
                float[] a = Tensor.randn(random, 1f, kc * mr + 4).data();
                float[] b = Tensor.randn(random, 1f, kc * MicroKernel.NR + 2).data();
                for (boolean load : new boolean[] {false, true}) {
                    float[] c = Tensor.randn(random, 1f, 3 + mr * ldc).data();
                    float[] expected = c.clone(), strided = c.clone();
                    PackedTiles.panel(mr, a, 4, b, 2, kc, c, 3, ldc, load);
                    MicroKernel.tileScalar(mr, a, 4, 1, mr, b, 2, MicroKernel.NR, kc, expected, 3, ldc, load);
                    MicroKernel.tile(mr, a, 4, 1, mr, b, 2, MicroKernel.NR, kc, strided, 3, ldc, load);
                    assertClose(Tensor.of(c, c.length), Tensor.of(expected, expected.length), kc);
                    assertThat(c).as("same order of operations as the strided tile").isEqualTo(strided);
                }
            }
        }
    }
}
