package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

class LowRankTest {
    /** (rows, rank, width): ranks around the register blocks (4, 8), widths around the vector and its tails, and a LoRA shape. */
    static Stream<Arguments> shapes() {
        int v = KernelFixtures.LANES;
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 2, v - 1), Arguments.of(5, 4, v), Arguments.of(7, 8, 2 * v + 3),
                Arguments.of(9, 9, 3 * v), Arguments.of(6, 13, 4 * v + 5), Arguments.of(17, 16, 5 * v + 1), Arguments.of(130, 8, 896));
    }

    /** A (rows, cols) matrix at offset 3 of a larger array, as a view of a bigger tensor's data would lie. */
    private static Tensor view(SplittableRandom random, int rows, int cols) {
        return Tensor.view(KernelFixtures.uniform(random, rows * cols + 3, 1f), 3, Shape.of(rows, cols));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void simdMatchesScalar(int n, int r, int c) {
        SplittableRandom random = new SplittableRandom(31L * n + r + c);
        Tensor x = view(random, n, c), f = view(random, r, c), u = view(random, n, r);
        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor out = view(random, n, r), ref = out.copy();
            LowRank.project(x, f, 0.75f, out, accumulate);
            LowRank.projectScalar(x, f, 0.75f, ref, accumulate);
            KernelFixtures.assertClose(out.toArray(), ref.toArray(), 1e-5, 1e-5);
        }
        Tensor y = view(random, n, c), yRef = y.copy();
        LowRank.expand(u, f, y);
        LowRank.expandScalar(u, f, yRef);
        KernelFixtures.assertClose(y.toArray(), yRef.toArray(), 1e-5, 1e-5);
        Tensor g = view(random, r, c), gRef = g.copy();
        LowRank.gradient(u, x, g);
        LowRank.gradientScalar(u, x, gRef);
        KernelFixtures.assertClose(g.toArray(), gRef.toArray(), 1e-5, 1e-5);
    }

    /** The split over threads covers every row and column once (to rounding: a lane reduction's order may differ between compiled forms, and sums of 1000 terms of size 1 round at ~1e-5). */
    @Test
    void threadsGiveTheSingleThreadedResult() {
        SplittableRandom random = new SplittableRandom(5);
        Tensor x = view(random, 300, 1000), f = view(random, 8, 1000), u = view(random, 300, 8);
        Tensor[] one = run(new Parallel(1), x, f, u), two = run(new Parallel(2), x, f, u);
        for (int i = 0; i < one.length; i++) KernelFixtures.assertClose(two[i].toArray(), one[i].toArray(), 1e-5, 1e-4);
    }

    private static Tensor[] run(Parallel parallel, Tensor x, Tensor f, Tensor u) {
        Tensor p = Tensor.zeros(x.rows(), f.rows()), y = Tensor.zeros(x.rows(), x.cols()), g = Tensor.zeros(f.rows(), f.cols());
        parallel.run(() -> {
            LowRank.project(x, f, 1f, p, false);
            LowRank.expand(u, f, y);
            LowRank.gradient(u, x, g);
        });
        return new Tensor[] {p, y, g};
    }

    @Test
    void transposeSwapsRowsAndColumns() {
        Tensor b = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        KernelFixtures.assertClose(LowRank.transpose(b).toArray(), new float[] {1, 3, 5, 2, 4, 6}, 0, 0);
    }

    @Test
    void mismatchedShapesAreRefused() {
        assertThatThrownBy(() -> LowRank.project(Tensor.zeros(2, 5), Tensor.zeros(3, 4), 1f, Tensor.zeros(2, 3), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("project");
        assertThatThrownBy(() -> LowRank.expand(Tensor.zeros(2, 3), Tensor.zeros(4, 5), Tensor.zeros(2, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expand");
        assertThatThrownBy(() -> LowRank.gradient(Tensor.zeros(3, 2), Tensor.zeros(2, 5), Tensor.zeros(2, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradient");
    }
}
