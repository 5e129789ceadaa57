package org.sparselora4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.opencl.OpenClFixture.assertClose;
import static org.sparselora4j.opencl.OpenClFixture.offsetView;
import static org.sparselora4j.opencl.OpenClFixture.random;

/** The three dense layouts on the device against {@code MatMul}'s scalar definitions. */
class DenseMatMulTest {
    private static OpenClBackend backend;

    @BeforeAll
    static void open() {
        backend = OpenClFixture.backendOrSkip();
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    /** Ragged sizes: none of 1, 7, 33, 100, 257 is a multiple of a tile; 64 and 128 are. */
    static Stream<Arguments> sizes() {
        int[][] mkn = {
            {1, 1, 1}, {1, 7, 33}, {7, 33, 1}, {33, 1, 7}, {100, 257, 33}, {257, 100, 7}, {33, 257, 100},
            {257, 33, 257}, {1, 257, 100}, {100, 1, 257}, {7, 7, 7}, {64, 64, 64}, {65, 17, 129}, {128, 100, 257},
        };
        List<Arguments> args = new ArrayList<>();
        for (int[] s : mkn) {
            args.add(Arguments.of(s[0], s[1], s[2], false));
            args.add(Arguments.of(s[0], s[1], s[2], true));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "abT m={0} k={1} n={2} accumulate={3}")
    @MethodSource("sizes")
    void abT(int m, int k, int n, boolean accumulate) {
        SplittableRandom random = new SplittableRandom(m * 1_000_003L + k * 1009L + n);
        Tensor a = random(random, m, k);
        Tensor b = random(random, n, k);
        Tensor expected = random(random, m, n);
        Tensor actual = expected.copy();
        MatMul.abTScalar(a, b, expected, accumulate);
        backend.abT(a, b, actual, accumulate);
        assertClose(actual, expected, k, "abT");
    }

    @ParameterizedTest(name = "ab m={0} k={1} n={2} accumulate={3}")
    @MethodSource("sizes")
    void ab(int m, int k, int n, boolean accumulate) {
        SplittableRandom random = new SplittableRandom(m * 1_000_003L + k * 1009L + n + 1);
        Tensor a = random(random, m, k);
        Tensor b = random(random, k, n);
        Tensor expected = random(random, m, n);
        Tensor actual = expected.copy();
        MatMul.abScalar(a, b, expected, accumulate);
        backend.ab(a, b, actual, accumulate);
        assertClose(actual, expected, k, "ab");
    }

    @ParameterizedTest(name = "aTb m={0} k={1} n={2} accumulate={3}")
    @MethodSource("sizes")
    void aTb(int m, int k, int n, boolean accumulate) {
        SplittableRandom random = new SplittableRandom(m * 1_000_003L + k * 1009L + n + 2);
        Tensor a = random(random, k, m);
        Tensor b = random(random, k, n);
        Tensor expected = random(random, m, n);
        Tensor actual = expected.copy();
        MatMul.aTbScalar(a, b, expected, accumulate);
        backend.aTb(a, b, actual, accumulate);
        assertClose(actual, expected, k, "aTb");
    }

    @Test
    void viewsWithOffsetsAreReadAndWrittenInPlace() {
        SplittableRandom random = new SplittableRandom(7);
        Tensor a = offsetView(random, 33, 100);
        Tensor b = offsetView(random, 7, 100);
        Tensor out = offsetView(random, 33, 7);
        Tensor expected = out.copy();
        float[] before = out.data().clone();
        MatMul.abTScalar(a, b, expected, true);
        backend.abT(a, b, out, true);
        assertClose(out, expected, 100, "abT on views");
        // Elements of the backing array outside the view are untouched.
        float[] after = out.data();
        for (int i = 0; i < out.offset(); i++) assertThat(after[i]).isEqualTo(before[i]);
        for (int i = out.offset() + out.size(); i < after.length; i++) assertThat(after[i]).isEqualTo(before[i]);

        Tensor bk = offsetView(random, 100, 7);
        Tensor out2 = offsetView(random, 33, 7);
        Tensor expected2 = out2.copy();
        MatMul.abScalar(a, bk, expected2, false);
        backend.ab(a, bk, out2, false);
        assertClose(out2, expected2, 100, "ab on views");

        Tensor at = offsetView(random, 100, 33);
        Tensor out3 = offsetView(random, 33, 7);
        Tensor expected3 = out3.copy();
        MatMul.aTbScalar(at, bk, expected3, true);
        backend.aTb(at, bk, out3, true);
        assertClose(out3, expected3, 100, "aTb on views");
    }

    @Test
    void emptyOperandsLeaveTheOutputAlone() {
        Tensor out = Tensor.zeros(0, 3);
        backend.abT(Tensor.zeros(0, 4), Tensor.zeros(3, 4), out, false);
        backend.ab(Tensor.zeros(0, 4), Tensor.zeros(4, 3), out, true);
        assertThat(out.size()).isZero();
    }

    @Test
    void wrongShapesAreRejectedWithTheTensorMessages() {
        Tensor a = Tensor.zeros(3, 4);
        Tensor b = Tensor.zeros(5, 6);
        assertThatThrownBy(() -> backend.abT(a, b, Tensor.zeros(3, 5), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abT: inner dimension 6 != 4");
        assertThatThrownBy(() -> backend.abT(a, Tensor.zeros(5, 4), Tensor.zeros(3, 4), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output [3, 4] is not 3x5");
    }
}
