package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Tensor;

class ReduceTest {
    static java.util.stream.IntStream sizes() {
        return KernelFixtures.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void dotMatchesScalar(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] a = KernelFixtures.uniform(random, n + 5, 1f);
        float[] b = KernelFixtures.uniform(random, n + 2, 1f);
        float simd = Reduce.dot(a, 5, b, 2, n);
        float ref = Reduce.dotScalar(a, 5, b, 2, n);
        double absSum = 0;
        for (int i = 0; i < n; i++) absSum += Math.abs(a[5 + i] * b[2 + i]);
        assertThat(simd).isCloseTo(ref, within((float) (absSum * 5e-6) + 1e-7f));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void sumSquaresMatchesScalar(int n) {
        float[] x = KernelFixtures.uniform(new SplittableRandom(n + 1), n + 3, 2f);
        float ref = Reduce.sumSquaresScalar(x, 3, n);
        assertThat(Reduce.sumSquares(x, 3, n)).isCloseTo(ref, within(ref * 5e-6f + 1e-7f));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void maxMatchesScalarWhereverTheMaxSits(int n) {
        SplittableRandom random = new SplittableRandom(n + 2);
        for (int at = 0; at < n; at += Math.max(1, n / 9)) {
            float[] x = KernelFixtures.uniform(random, n + 1, 5f);
            x[1 + at] = 7f;
            assertThat(Reduce.max(x, 1, n)).isEqualTo(Reduce.maxScalar(x, 1, n)).isEqualTo(7f);
        }
    }

    @Test
    void maxOfNothingIsMinusInfinityAndNanPropagates() {
        assertThat(Reduce.max(new float[3], 1, 0)).isEqualTo(Float.NEGATIVE_INFINITY);
        float[] x = new float[100];
        x[40] = Float.NaN;
        assertThat(Reduce.max(x, 0, 100)).isNaN();
        assertThat(Reduce.maxScalar(x, 0, 100)).isNaN();
    }

    @Test
    void columnSquaresMatchTheScalarTwinBitForBit() {
        SplittableRandom random = new SplittableRandom(21);
        for (int cols : new int[] {1, 7, 16, 17, 100, 2048}) {
            Tensor y = Matrices.view(random, 37, cols);
            float[] simd = Tensor.randn(random, 1f, cols).toArray(), scalar = simd.clone();
            Reduce.addColumnSquares(y, simd);
            Reduce.addColumnSquaresScalar(y, scalar);
            // Each column is its own left-to-right chain of fused multiply-adds in both: the same bits.
            assertThat(simd).as("%d columns", cols).containsExactly(scalar);
        }
        assertThatThrownBy(() -> Reduce.addColumnSquares(Tensor.zeros(2, 3), new float[4])).hasMessageContaining("4").hasMessageContaining("3");
    }

    @Test
    void argmaxTakesTheFirstOfTies() {
        float[] x = {9f, 1f, 3f, 3f, 2f};
        assertThat(Reduce.argmax(x, 1, 4)).isEqualTo(1);
        assertThat(Reduce.argmax(x, 0, 5)).isEqualTo(0);
    }
}
