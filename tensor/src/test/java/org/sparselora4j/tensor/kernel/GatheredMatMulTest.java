package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.tensor.kernel.Matrices.assertClose;
import static org.sparselora4j.tensor.kernel.Matrices.assertUntouchedOutside;
import static org.sparselora4j.tensor.kernel.Matrices.outputView;
import static org.sparselora4j.tensor.kernel.Matrices.view;

class GatheredMatMulTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Parallel THREE = new Parallel(3);

    /** n tokens x in features x out features, and the fraction of channels kept (0 = empty, 1 = all). */
    static Stream<Arguments> cases() {
        int[][] shapes = {{1, 7, 9}, {7, 17, 33}, {17, 100, 15}, {100, 257, 70}, {1, 300, 500}, {70, 40, 300}};
        double[] keeps = {0, 0.1, 0.5, 1};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            for (double keep : keeps) out.add(Arguments.of(s[0], s[1], s[2], keep));
        }
        return out.stream();
    }

    /** A random sorted subset of [0, total) with round(keep·total) elements. */
    static Index randomIndex(SplittableRandom random, int total, double keep) {
        int kept = (int) Math.round(keep * total);
        int[] all = new int[total];
        for (int i = 0; i < total; i++) all[i] = i;
        for (int i = 0; i < kept; i++) {
            int j = i + random.nextInt(total - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, kept);
        Arrays.sort(chosen);
        return new Index(chosen);
    }

    @ParameterizedTest(name = "n={0} in={1} out={2} keep={3}")
    @MethodSource("cases")
    void rowsAbTMatchesReferenceAndScalarTwin(int n, int in, int outF, double keep) {
        SplittableRandom random = new SplittableRandom(n + 3L * in + 7L * outF);
        Tensor x = view(random, n, in), w = view(random, outF, in);
        Index rows = randomIndex(random, outF, keep);
        Tensor y = GatheredMatMul.rowsAbT(x, w, rows);
        assertClose(y, GatheredMatMul.rowsAbTReference(x, w, rows), in);
        Tensor start = Tensor.randn(random, 1f, n, rows.size());
        Tensor out = outputView(n, rows.size(), 9f).copyFrom(start);
        Tensor expected = start.copy();
        GatheredMatMul.rowsAbT(x, w, rows, out, true);
        GatheredMatMul.rowsAbTScalar(x, w, rows, expected, true);
        assertClose(out, expected, in);
        assertUntouchedOutside(out, 9f);
    }

    @ParameterizedTest(name = "n={0} in={1} out={2} keep={3}")
    @MethodSource("cases")
    void rowsAbMatchesReferenceAndScalarTwin(int n, int in, int outF, double keep) {
        SplittableRandom random = new SplittableRandom(11L * n + in + outF);
        Index rows = randomIndex(random, outF, keep);
        Tensor dy = view(random, n, rows.size()), w = view(random, outF, in);
        Tensor dx = GatheredMatMul.rowsAb(dy, w, rows);
        assertClose(dx, GatheredMatMul.rowsAbReference(dy, w, rows), rows.size());
        Tensor start = Tensor.randn(random, 1f, n, in);
        Tensor out = outputView(n, in, 9f).copyFrom(start);
        Tensor expected = start.copy();
        GatheredMatMul.rowsAb(dy, w, rows, out, true);
        GatheredMatMul.rowsAbScalar(dy, w, rows, expected, true);
        assertClose(out, expected, rows.size());
        assertUntouchedOutside(out, 9f);
    }

    @ParameterizedTest(name = "n={0} in={1} out={2} keep={3}")
    @MethodSource("cases")
    void colsAbTMatchesReferenceAndScalarTwinForFullAndCompactInput(int n, int in, int outF, double keep) {
        SplittableRandom random = new SplittableRandom(13L * n + 5L * in + outF);
        Tensor x = view(random, n, in), w = view(random, outF, in);
        Index cols = randomIndex(random, in, keep);
        Tensor full = GatheredMatMul.colsAbT(x, w, cols, false);
        assertClose(full, GatheredMatMul.colsAbTReference(x, w, cols, false), cols.size());
        Tensor xk = Gather.columns(x, cols);
        Tensor compact = GatheredMatMul.colsAbT(xk, w, cols, true);
        assertClose(compact, GatheredMatMul.colsAbTReference(xk, w, cols, true), cols.size());
        assertClose(compact, full, cols.size());
        Tensor start = Tensor.randn(random, 1f, n, outF);
        Tensor out = outputView(n, outF, 9f).copyFrom(start);
        Tensor expected = start.copy();
        GatheredMatMul.colsAbT(x, w, cols, false, out, true);
        GatheredMatMul.colsAbTScalar(x, w, cols, false, expected, true);
        assertClose(out, expected, cols.size());
        assertUntouchedOutside(out, 9f);
    }

    @ParameterizedTest(name = "n={0} in={1} out={2} keep={3}")
    @MethodSource("cases")
    void colsAbMatchesReferenceAndScalarTwin(int n, int in, int outF, double keep) {
        SplittableRandom random = new SplittableRandom(17L * n + in + 3L * outF);
        Tensor dy = view(random, n, outF), w = view(random, outF, in);
        Index cols = randomIndex(random, in, keep);
        Tensor dxk = GatheredMatMul.colsAb(dy, w, cols);
        assertClose(dxk, GatheredMatMul.colsAbReference(dy, w, cols), outF);
        Tensor start = Tensor.randn(random, 1f, n, cols.size());
        Tensor out = outputView(n, cols.size(), 9f).copyFrom(start);
        Tensor expected = start.copy();
        GatheredMatMul.colsAb(dy, w, cols, out, true);
        GatheredMatMul.colsAbScalar(dy, w, cols, expected, true);
        assertClose(out, expected, outF);
        assertUntouchedOutside(out, 9f);
    }

    /**
     * dy·w[:, cols] of a compact w (BF16, Q8_0) keeping up to {@link NarrowGathered#MAX_KEPT_COMPACT_COLUMNS}
     * columns (the narrow path, which decodes the kept elements) and past it (the GEMM): the scalar twin on w's
     * decoded float32 values, on one thread and two.
     */
    @Test
    void colsAbOfACompactWeightMatchesTheDecodedWeight() {
        SplittableRandom random = new SplittableRandom(41);
        int n = 37, outF = 96, in = 320;
        Tensor dy = Tensor.randn(random, 1f, n, outF);
        for (ElementType type : new ElementType[] {ElementType.BF16, ElementType.Q8_0}) {
            Tensor w = Quantize.toType(Tensor.randn(random, 1f, outF, in), type), decoded = w.toFloat32();
            for (int kept : new int[] {1, 81, NarrowGathered.MAX_KEPT_COMPACT_COLUMNS, 200}) {
                Index cols = randomIndex(random, in, kept / (double) in);
                Tensor expected = Tensor.zeros(n, cols.size());
                GatheredMatMul.colsAbScalar(dy, decoded, cols, expected, false);
                for (int threads : new int[] {1, 2}) {
                    Tensor got = new Parallel(threads).call(() -> GatheredMatMul.colsAb(dy, w, cols));
                    assertClose(got, expected, outF);
                }
            }
        }
    }

    @Test
    void threadCountDoesNotChangeGatheredResults() {
        SplittableRandom random = new SplittableRandom(23);
        int n = 150, in = 260, outF = 300;
        Tensor x = view(random, n, in), w = view(random, outF, in);
        Index rows = randomIndex(random, outF, 0.4), cols = randomIndex(random, in, 0.3);
        Tensor dy = view(random, n, rows.size()), dyFull = view(random, n, outF);
        List<java.util.function.Supplier<Tensor>> products = List.of(
                () -> GatheredMatMul.rowsAbT(x, w, rows),
                () -> GatheredMatMul.rowsAb(dy, w, rows),
                () -> GatheredMatMul.colsAbT(x, w, cols, false),
                () -> GatheredMatMul.colsAb(dyFull, w, cols));
        for (var product : products) {
            Tensor single = ONE.call(product::get);
            Tensor multi = THREE.call(product::get);
            assertClose(multi, single, in);
        }
    }

    @Test
    void outOfRangeIndexIsNamed() {
        Tensor x = Tensor.zeros(3, 4), w = Tensor.zeros(5, 4);
        assertThatThrownBy(() -> GatheredMatMul.rowsAbT(x, w, Index.of(1, 5)))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 5").hasMessageContaining("[5, 4]");
        assertThatThrownBy(() -> GatheredMatMul.rowsAb(Tensor.zeros(3, 2), w, Index.of(0, 7)))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 7");
        assertThatThrownBy(() -> GatheredMatMul.colsAbT(x, w, Index.of(4), false))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 4").hasMessageContaining("columns");
        assertThatThrownBy(() -> GatheredMatMul.colsAb(Tensor.zeros(3, 5), w, Index.of(2, 9)))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 9");
    }

    @Test
    void shapeMismatchesNameTheShapes() {
        Tensor x = Tensor.zeros(3, 4), w = Tensor.zeros(5, 6);
        assertThatThrownBy(() -> GatheredMatMul.rowsAbT(x, w, Index.of(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 4]").hasMessageContaining("[5, 6]");
        assertThatThrownBy(() -> GatheredMatMul.rowsAb(Tensor.zeros(3, 2), w, Index.of(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient width");
        assertThatThrownBy(() -> GatheredMatMul.colsAbT(x, w, Index.of(1, 2), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input width 4 != 2");
        assertThatThrownBy(() -> GatheredMatMul.colsAb(Tensor.zeros(3, 4), w, Index.of(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 4]");
        assertThatThrownBy(() -> GatheredMatMul.rowsAbT(Tensor.zeros(3, 6), w, Index.of(1), Tensor.zeros(3, 2), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output [3, 2] is not 3x1");
    }
}
