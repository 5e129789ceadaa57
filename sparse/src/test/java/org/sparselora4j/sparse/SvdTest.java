package org.sparselora4j.sparse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SvdTest {
    /** M = U·diag(σ)·Vᵀ with random orthonormal U, V and σ_i = decay^i. */
    static Tensor decaying(int rows, int cols, double decay, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = Math.min(rows, cols);
        Tensor u = Svd.orthonormalize(Tensor.randn(random, 1f, rows, n));
        Tensor v = Svd.orthonormalize(Tensor.randn(random, 1f, cols, n));
        for (int j = 0; j < n; j++) {
            float s = (float) Math.pow(decay, j);
            for (int i = 0; i < rows; i++) u.set(u.get(i, j) * s, i, j);
        }
        return MatMul.abT(u, v);
    }

    @ParameterizedTest
    @CsvSource({"40, 30, 0.7, 8", "30, 50, 0.8, 8", "172, 64, 0.85, 8", "64, 64, 0.9, 4", "20, 12, 0.7, 12"})
    void truncatedMatchesTheExactDecomposition(int rows, int cols, double decay, int rank) {
        Tensor m = decaying(rows, cols, decay, rows * 31L + cols);
        Svd exact = Svd.exact(m);
        Svd top = Svd.truncated(m, rank);
        assertThat(top.rank()).isEqualTo(rank);
        assertThat(top.u().shape().dims()).containsExactly(rows, rank);
        assertThat(top.v().shape().dims()).containsExactly(cols, rank);
        for (int j = 0; j < rank; j++) {
            assertThat(top.s()[j]).as("σ%d", j).isCloseTo(exact.s()[j], within(1e-4 * exact.s()[j]));
            assertThat(exact.s()[j]).as("exact σ%d", j).isCloseTo(Math.pow(decay, j), within(1e-5));
        }
        assertOrthonormal(top.u());
        assertOrthonormal(top.v());
        // Eckart–Young: the best rank-r error in Frobenius norm is sqrt(Σ_{i ≥ r} σ_i²).
        double optimal = 0;
        for (int j = rank; j < exact.rank(); j++) optimal += exact.s()[j] * exact.s()[j];
        optimal = Math.sqrt(optimal);
        double error = frobeniusDistance(top.reconstruct(), m);
        assertThat(error).isCloseTo(optimal, within(1e-4 + 1e-3 * optimal));
    }

    @Test
    void exactReconstructsAndOrdersValues() {
        Tensor m = Tensor.randn(new SplittableRandom(3), 1f, 9, 14);
        Svd exact = Svd.exact(m);
        assertThat(exact.rank()).isEqualTo(9);
        for (int j = 1; j < 9; j++) assertThat(exact.s()[j]).isLessThanOrEqualTo(exact.s()[j - 1]);
        assertThat(frobeniusDistance(exact.reconstruct(), m)).isLessThan(1e-5);
        assertOrthonormal(exact.u());
        assertOrthonormal(exact.v());
    }

    @Test
    void fullRankTruncationIsExactEvenForAFlatSpectrum() {
        Tensor m = Tensor.randn(new SplittableRandom(5), 1f, 24, 10);
        Svd top = Svd.truncated(m, 10);
        assertThat(frobeniusDistance(top.reconstruct(), m)).isLessThan(1e-4);
    }

    @Test
    void rankDeficientMatricesGiveZeroValues() {
        SplittableRandom random = new SplittableRandom(9);
        Tensor m = MatMul.ab(Tensor.randn(random, 1f, 20, 3), Tensor.randn(random, 1f, 3, 16));
        Svd top = Svd.truncated(m, 6);
        assertThat(top.s()[3]).isLessThan(1e-4 * top.s()[0]);
        assertThat(frobeniusDistance(top.reconstruct(), m)).isLessThan(1e-4 * Math.sqrt(top.s()[0]));
    }

    @Test
    void rankOutsideTheMatrixIsAnError() {
        Tensor m = Tensor.zeros(5, 3);
        assertThatThrownBy(() -> Svd.truncated(m, 4)).hasMessageContaining("rank 4 is outside [1, 3]");
        assertThatThrownBy(() -> Svd.truncated(m, 0)).hasMessageContaining("rank 0");
    }

    static void assertOrthonormal(Tensor q) {
        Tensor g = MatMul.aTb(q, q);
        for (int i = 0; i < g.rows(); i++) {
            for (int j = 0; j < g.cols(); j++) assertThat(g.get(i, j)).isCloseTo(i == j ? 1f : 0f, within(1e-5f));
        }
    }

    static double frobeniusDistance(Tensor a, Tensor b) {
        double sum = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                double d = a.get(i, j) - b.get(i, j);
                sum += d * d;
            }
        }
        return Math.sqrt(sum);
    }
}
