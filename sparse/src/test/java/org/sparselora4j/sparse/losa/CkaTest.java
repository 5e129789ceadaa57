package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CkaTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(11);

    /** A random orthogonal (d, d) matrix: Gram-Schmidt of a Gaussian one. */
    private static Tensor orthogonal(int d) {
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) q[i][j] = Tensor.randn(RANDOM, 1f, 1).get(0);
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += q[i][j] * q[k][j];
                for (int j = 0; j < d; j++) q[i][j] -= dot * q[k][j];
            }
            double norm = 0;
            for (int j = 0; j < d; j++) norm += q[i][j] * q[i][j];
            for (int j = 0; j < d; j++) q[i][j] /= Math.sqrt(norm);
        }
        Tensor t = Tensor.zeros(d, d);
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) t.set((float) q[i][j], i, j);
        return t;
    }

    @Test
    void theMatrixIsSymmetricWithUnitDiagonalAndInTheUnitInterval() {
        Tensor base = Tensor.randn(RANDOM, 1f, 12, 20);
        Tensor noisy = base.copy();
        Elementwise.add(noisy, Tensor.randn(RANDOM, 0.5f, 12, 20), noisy);
        List<Tensor> features = List.of(base, noisy, Tensor.randn(RANDOM, 1f, 12, 7), Tensor.randn(RANDOM, 3f, 12, 30));
        double[][] m = Cka.matrix(features);
        for (int a = 0; a < 4; a++) {
            assertThat(m[a][a]).isCloseTo(1.0, within(1e-9));
            for (int b = 0; b < 4; b++) {
                assertThat(m[a][b]).isEqualTo(m[b][a]).isBetween(0.0, 1.0);
            }
        }
        assertThat(m[0][1]).as("related features are more similar than unrelated ones").isGreaterThan(m[0][2]);
    }

    @Test
    void invariantToIsotropicScalingAndOrthogonalTransforms() {
        Tensor a = Tensor.randn(RANDOM, 1f, 10, 6);
        Tensor b = Tensor.randn(RANDOM, 1f, 10, 6);
        Elementwise.add(b, a, b);
        double reference = Cka.of(a, b);
        Tensor scaled = a.copy();
        Elementwise.scale(scaled, 7.5f, scaled);
        assertThat(Cka.of(scaled, b)).isCloseTo(reference, within(1e-6));
        Tensor rotated = MatMul.ab(a, orthogonal(6));
        assertThat(Cka.of(rotated, b)).isCloseTo(reference, within(1e-5));
        assertThat(Cka.of(a, MatMul.ab(b, orthogonal(6)))).isCloseTo(reference, within(1e-5));
    }

    @Test
    void featuresFlattenEachSequenceIntoOneRow() {
        Tensor chunk = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);    // 2 sequences of 2 tokens, H = 2
        Tensor f = Cka.features(List.of(chunk, chunk), 2);
        assertThat(f.shape().dims()).containsExactly(4, 4);
        assertThat(f.row(1).toArray()).containsExactly(5, 6, 7, 8);
        assertThat(f.row(2).toArray()).containsExactly(1, 2, 3, 4);
    }
}
