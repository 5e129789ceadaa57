package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SoftmaxTest {
    static java.util.stream.IntStream sizes() {
        return KernelFixtures.sizes();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalarAndSumsToOne(int n) {
        float[] x = KernelFixtures.uniform(new SplittableRandom(n), n + 4, 8f);
        float[] ref = x.clone();
        Softmax.inPlace(x, 2, n);
        Softmax.inPlaceScalar(ref, 2, n);
        assertThat(x).usingComparatorWithPrecision(1e-6f).containsExactly(ref);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[2 + i];
        assertThat(sum).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void stableForHugeLogits() {
        float[] x = new float[KernelFixtures.LANES + 3];
        java.util.Arrays.fill(x, -1000f);
        x[1] = 1000f;
        x[x.length - 1] = 1000f;
        Softmax.inPlace(x, 0, x.length);
        assertThat(x[1]).isCloseTo(0.5f, within(1e-6f));
        assertThat(x[x.length - 1]).isCloseTo(0.5f, within(1e-6f));
        assertThat(x[0]).isZero();
    }

    @Test
    void minusInfinityGetsZeroProbability() {
        float[] x = new float[40];
        for (int i = 20; i < 40; i++) x[i] = Float.NEGATIVE_INFINITY;
        Softmax.inPlace(x, 0, 40);
        assertThat(x[0]).isCloseTo(0.05f, within(1e-7f));
        assertThat(x[39]).isZero();
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void backwardMatchesScalar(int n) {
        SplittableRandom random = new SplittableRandom(n + 7);
        float[] y = KernelFixtures.uniform(random, n + 1, 1f);
        Softmax.inPlaceScalar(y, 1, n);
        float[] dy = KernelFixtures.uniform(random, n + 2, 1f);
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] dx = KernelFixtures.uniform(random, n + 3, 1f);
            float[] ref = dx.clone();
            Softmax.backward(y, 1, dy, 2, dx, 3, n, accumulate);
            Softmax.backwardScalar(y, 1, dy, 2, ref, 3, n, accumulate);
            assertThat(dx).usingComparatorWithPrecision(1e-6f).containsExactly(ref);
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 12;
        float[] x = KernelFixtures.uniform(random, n, 2f);
        float[] r = KernelFixtures.uniform(random, n, 1f);
        float[] y = x.clone();
        Softmax.inPlace(y, 0, n);
        float[] dx = new float[n];
        Softmax.backward(y, 0, r, 0, dx, 0, n, false);
        KernelFixtures.checkGradient(x, 0, n, () -> {
            float[] p = x.clone();
            Softmax.inPlace(p, 0, n);
            double loss = 0;
            for (int i = 0; i < n; i++) loss += (double) p[i] * r[i];
            return loss;
        }, dx, 1e-2f, 1e-3);
    }
}
