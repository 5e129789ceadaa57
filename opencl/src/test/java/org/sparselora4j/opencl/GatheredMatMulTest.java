package org.sparselora4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.GatheredMatMul;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.opencl.OpenClFixture.assertClose;
import static org.sparselora4j.opencl.OpenClFixture.offsetView;
import static org.sparselora4j.opencl.OpenClFixture.random;

/**
 * The gathered products on the device against {@code GatheredMatMul}'s masked-dense references (and its scalar
 * twins for {@code accumulate}), with empty, single, partial and full index sets.
 */
class GatheredMatMulTest {
    private static OpenClBackend backend;

    @BeforeAll
    static void open() {
        backend = OpenClFixture.backendOrSkip();
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    enum Kept { EMPTY, ONE, HALF, ALL }

    /** tokens x in x out with ragged sizes, each with every kind of index set. */
    static Stream<Arguments> cases() {
        int[][] shapes = {{1, 7, 33}, {7, 33, 1}, {33, 100, 7}, {100, 257, 33}, {257, 33, 100}, {7, 1, 257}};
        List<Arguments> args = new ArrayList<>();
        for (int[] s : shapes) {
            for (Kept kept : Kept.values()) args.add(Arguments.of(s[0], s[1], s[2], kept));
        }
        return args.stream();
    }

    static Index index(SplittableRandom random, int total, Kept kept) {
        return switch (kept) {
            case EMPTY -> Index.of();
            case ONE -> Index.of(random.nextInt(total));
            case HALF -> {
                int[] chosen = random.ints(Math.max(1, total / 2), 0, total).toArray();
                yield Index.sorted(chosen);
            }
            case ALL -> Index.all(total);
        };
    }

    /** One product into {@code out}, device or scalar twin. */
    @FunctionalInterface
    interface Product {
        void run(Tensor out, boolean accumulate);
    }

    private record Outcome(Tensor value, RuntimeException error) {
        static Outcome of(Product product, Tensor start, boolean accumulate) {
            Tensor out = start.copy();
            try {
                product.run(out, accumulate);
                return new Outcome(out, null);
            } catch (RuntimeException e) {
                return new Outcome(null, e);
            }
        }
    }

    /**
     * The device product behaves as the scalar twin (same values, or the same exception: the twins reject an
     * (n, 0) output because a zero-column tensor has zero rows), with and without accumulate; with a non-empty
     * index it also equals the masked-dense reference.
     */
    private static void check(String what, int inner, Index index, int outRows, int outCols, SplittableRandom random,
                              Product scalar, Product device, Supplier<Tensor> maskedDense) {
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor start = accumulate ? random(random, outRows, outCols) : Tensor.zeros(outRows, outCols).fill(Float.NaN);
            Outcome expected = Outcome.of(scalar, start, accumulate);
            Outcome actual = Outcome.of(device, start, accumulate);
            String label = what + " with " + index + (accumulate ? ", accumulate" : "");
            if (expected.error() != null) {
                assertThat(actual.error()).as(label).isNotNull().hasSameClassAs(expected.error()).hasMessage(expected.error().getMessage());
            } else {
                assertThat(actual.error()).as(label).isNull();
                assertClose(actual.value(), expected.value(), inner, label);
                if (!accumulate && index.size() > 0) assertClose(actual.value(), maskedDense.get(), inner, label + " vs masked dense");
            }
        }
    }

    @ParameterizedTest(name = "rowsAbT n={0} in={1} out={2} {3}")
    @MethodSource("cases")
    void rowsAbT(int n, int in, int out, Kept kept) {
        SplittableRandom random = new SplittableRandom(n * 31L + in * 7L + out + kept.ordinal());
        Tensor x = random(random, n, in);
        Tensor w = random(random, out, in);
        Index rows = index(random, out, kept);
        check("rowsAbT", in, rows, n, rows.size(), random,
                (o, acc) -> GatheredMatMul.rowsAbTScalar(x, w, rows, o, acc),
                (o, acc) -> backend.rowsAbT(x, w, rows, o, acc),
                () -> GatheredMatMul.rowsAbTReference(x, w, rows));
    }

    @ParameterizedTest(name = "rowsAb n={0} in={1} out={2} {3}")
    @MethodSource("cases")
    void rowsAb(int n, int in, int out, Kept kept) {
        SplittableRandom random = new SplittableRandom(n * 31L + in * 7L + out + kept.ordinal() + 100);
        Tensor w = random(random, out, in);
        Index rows = index(random, out, kept);
        Tensor dy = random(random, n, rows.size());
        check("rowsAb", rows.size(), rows, dy.rows(), in, random,
                (o, acc) -> GatheredMatMul.rowsAbScalar(dy, w, rows, o, acc),
                (o, acc) -> backend.rowsAb(dy, w, rows, o, acc),
                () -> GatheredMatMul.rowsAbReference(dy, w, rows));
    }

    @ParameterizedTest(name = "colsAbT n={0} in={1} out={2} {3}")
    @MethodSource("cases")
    void colsAbT(int n, int in, int out, Kept kept) {
        SplittableRandom random = new SplittableRandom(n * 31L + in * 7L + out + kept.ordinal() + 200);
        Tensor w = random(random, out, in);
        Index cols = index(random, in, kept);
        Tensor x = random(random, n, in);
        check("colsAbT", cols.size(), cols, n, out, random,
                (o, acc) -> GatheredMatMul.colsAbTScalar(x, w, cols, false, o, acc),
                (o, acc) -> backend.colsAbT(x, w, cols, false, o, acc),
                () -> GatheredMatMul.colsAbTReference(x, w, cols, false));
    }

    @ParameterizedTest(name = "colsAbT compact n={0} in={1} out={2} {3}")
    @MethodSource("cases")
    void colsAbTCompact(int n, int in, int out, Kept kept) {
        SplittableRandom random = new SplittableRandom(n * 31L + in * 7L + out + kept.ordinal() + 300);
        Tensor w = random(random, out, in);
        Index cols = index(random, in, kept);
        Tensor xk = random(random, n, cols.size());
        check("colsAbT compact", cols.size(), cols, xk.rows(), out, random,
                (o, acc) -> GatheredMatMul.colsAbTScalar(xk, w, cols, true, o, acc),
                (o, acc) -> backend.colsAbT(xk, w, cols, true, o, acc),
                () -> GatheredMatMul.colsAbTReference(xk, w, cols, true));
    }

    @ParameterizedTest(name = "colsAb n={0} in={1} out={2} {3}")
    @MethodSource("cases")
    void colsAb(int n, int in, int out, Kept kept) {
        SplittableRandom random = new SplittableRandom(n * 31L + in * 7L + out + kept.ordinal() + 400);
        Tensor w = random(random, out, in);
        Index cols = index(random, in, kept);
        Tensor dy = random(random, n, out);
        check("colsAb", out, cols, n, cols.size(), random,
                (o, acc) -> GatheredMatMul.colsAbScalar(dy, w, cols, o, acc),
                (o, acc) -> backend.colsAb(dy, w, cols, o, acc),
                () -> GatheredMatMul.colsAbReference(dy, w, cols));
    }

    @Test
    void emptyColumnSetOnFullWidthInputGivesZerosOrLeavesOutput() {
        SplittableRandom random = new SplittableRandom(3);
        Tensor x = random(random, 5, 9);
        Tensor w = random(random, 4, 9);
        Tensor out = Tensor.zeros(5, 4).fill(2f);
        backend.colsAbT(x, w, Index.of(), false, out, true);
        assertThat(out.toArray()).containsOnly(2f);
        backend.colsAbT(x, w, Index.of(), false, out, false);
        assertThat(out.toArray()).containsOnly(0f);
    }

    @Test
    void viewsWithOffsets() {
        SplittableRandom random = new SplittableRandom(11);
        Tensor x = offsetView(random, 33, 100);
        Tensor w = offsetView(random, 57, 100);
        Index rows = Index.of(0, 3, 4, 20, 56);
        Tensor out = offsetView(random, 33, rows.size());
        Tensor expected = out.copy();
        GatheredMatMul.rowsAbTScalar(x, w, rows, expected, true);
        backend.rowsAbT(x, w, rows, out, true);
        assertClose(out, expected, 100, "rowsAbT on views");

        Index cols = Index.of(1, 2, 50, 99);
        Tensor y = offsetView(random, 33, 57);
        Tensor expectedY = y.copy();
        GatheredMatMul.colsAbTScalar(x, w, cols, false, expectedY, false);
        backend.colsAbT(x, w, cols, false, y, false);
        assertClose(y, expectedY, cols.size(), "colsAbT on views");
    }

    @Test
    void sameIndexObjectAndNewIndexObjectsBothGiveFreshResults() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor x = random(random, 7, 20);
        Tensor w = random(random, 30, 20);
        Index first = Index.of(1, 5, 9);
        Index second = Index.of(2, 6, 29);
        for (Index rows : List.of(first, first, second, first)) {
            Tensor out = Tensor.zeros(7, 3);
            backend.rowsAbT(x, w, rows, out, false);
            assertClose(out, GatheredMatMul.rowsAbTReference(x, w, rows), 20, "rowsAbT with " + rows);
        }
    }

    @Test
    void indexOutsideTheWeightIsRejected() {
        Tensor x = Tensor.zeros(2, 4);
        Tensor w = Tensor.zeros(3, 4);
        assertThatThrownBy(() -> backend.rowsAbT(x, w, Index.of(0, 3), Tensor.zeros(2, 2), false))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 3 is outside rows of w");
    }

    @Test
    void fullIndexMatchesTheDenseProduct() {
        SplittableRandom random = new SplittableRandom(9);
        Tensor x = random(random, 33, 100);
        Tensor w = random(random, 7, 100);
        Tensor dense = Tensor.zeros(33, 7);
        Tensor gathered = Tensor.zeros(33, 7);
        backend.abT(x, w, dense, false);
        backend.rowsAbT(x, w, Index.all(7), gathered, false);
        assertClose(gathered, dense, 100, "rowsAbT with every row");
    }
}
