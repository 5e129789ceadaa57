package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HeadMatMulTest {
    private static final int V = MicroKernel.V;

    /** (m, k, n): rows that hit every tile (6 x 4 vectors, 12 and 6 x 2, 4, single), head sizes 32/64/80/128, odd widths. */
    static Stream<Arguments> sizes() {
        return Stream.of(
                Arguments.of(1, 1, 1),
                Arguments.of(64, 64, 64),
                Arguments.of(64, 37, 64),
                Arguments.of(448, 64, 64),
                Arguments.of(23, 64, 32),
                Arguments.of(64, 300, 80),
                Arguments.of(17, 64, 128),
                Arguments.of(11, 9, V - 1),
                Arguments.of(13, 5, V + 1),
                Arguments.of(64, 64, 2 * V + 3),
                Arguments.of(19, 33, 6 * V + 3),
                Arguments.of(5, 0, 16),
                Arguments.of(0, 8, 16));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void abMatchesTheScalarTwinThroughStridesAndOffsets(int m, int k, int n) {
        for (boolean accumulate : new boolean[] {false, true}) {
            // Each operand sits at an offset inside a wider matrix, as a head's slice of a (tokens, heads·dh) one.
            int lda = k + 3, ldb = n + 5, ldc = n + 2;
            check(m, k, n, lda, ldb, ldc, m * lda, accumulate, false);
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void aTbMatchesTheScalarTwinThroughStridesAndOffsets(int m, int k, int n) {
        for (boolean accumulate : new boolean[] {false, true}) {
            int lda = m + 3, ldb = n + 5, ldc = n + 2;
            check(m, k, n, lda, ldb, ldc, k * lda, accumulate, true);
        }
    }

    private static void check(int m, int k, int n, int lda, int ldb, int ldc, int aSize, boolean accumulate, boolean transposed) {
        SplittableRandom random = new SplittableRandom(m * 31L + k * 7L + n);
        float[] a = fill(random, aSize + 7), b = fill(random, k * ldb + 11), c = fill(random, m * ldc + 4);
        float[] ref = c.clone();
        if (transposed) {
            HeadMatMul.aTb(a, 7, lda, b, 11, ldb, c, 4, ldc, m, k, n, accumulate);
            HeadMatMul.aTbScalar(a, 7, lda, b, 11, ldb, ref, 4, ldc, m, k, n, accumulate);
        } else {
            HeadMatMul.ab(a, 7, lda, b, 11, ldb, c, 4, ldc, m, k, n, accumulate);
            HeadMatMul.abScalar(a, 7, lda, b, 11, ldb, ref, 4, ldc, m, k, n, accumulate);
        }
        // Everything outside C's m x n window, including the stride gaps, stays as it was.
        float tolerance = 1e-5f * (float) Math.sqrt(Math.max(k, 1)) * 4;
        for (int i = 0; i < c.length; i++) assertThat(c[i]).as("c[%d] (%dx%dx%d)", i, m, k, n).isCloseTo(ref[i], within(tolerance));
    }

    private static float[] fill(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (random.nextDouble() * 2 - 1);
        return x;
    }
}
