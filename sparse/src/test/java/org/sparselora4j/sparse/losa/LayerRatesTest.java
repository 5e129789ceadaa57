package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LayerRatesTest {
    @Test
    void cubicScheduleMatchesTheReferenceValues() {
        double[] expected = {0.3416, 0.5488, 0.6552, 0.6944, 0.7};
        for (int t = 1; t <= 5; t++) assertThat(LayerRates.cubic(0.7, t, 5)).isCloseTo(expected[t - 1], within(1e-12));
    }

    @Test
    void deltaFollowsTheTargetAndKeepsThePreviousAboveSeventyPercent() {
        assertThat(LayerRates.delta(0.3, 0)).isEqualTo(0.01);
        assertThat(LayerRates.delta(0.5, 0)).isEqualTo(0.01);
        assertThat(LayerRates.delta(0.55, 0.01)).isEqualTo(0.02);
        assertThat(LayerRates.delta(0.7, 0.02)).isEqualTo(0.03);
        assertThat(LayerRates.delta(0.8, 0.02)).isEqualTo(0.02);
        assertThat(LayerRates.delta(0.8, 0)).isEqualTo(0.03);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 8, 32})
    void allocationHasMeanExactlyTheTargetAndRespectsTheBounds(int layers) {
        SplittableRandom r = new SplittableRandom(layers);
        double[] w = new double[layers];
        for (int l = 0; l < layers; l++) w[l] = r.nextDouble();
        double target = 0.55, delta = 0.02;
        double[] rates = LayerRates.allocate(w, target, delta);
        assertThat(Arrays.stream(rates).sum()).isCloseTo(target * layers, within(1e-12));
        for (double x : rates) assertThat(x).isBetween(target - delta - 1e-15, target + delta + 1e-15);
        // The closed form is optimal: no feasible random point of the box with the same mean has a lower objective.
        double best = dot(rates, w);
        for (int trial = 0; trial < 2000; trial++) {
            double[] x = feasible(r, layers, target, delta);
            assertThat(dot(x, w)).isGreaterThanOrEqualTo(best - 1e-12);
        }
    }

    @Test
    void moreRedundantLayersArePrunedMore() {
        double[][] cka = {
                {1.0, 0.9, 0.9, 0.1},
                {0.9, 1.0, 0.8, 0.2},
                {0.9, 0.8, 1.0, 0.1},
                {0.1, 0.2, 0.1, 1.0}};
        double[] rho = LayerRates.redundancy(cka);
        assertThat(Arrays.stream(rho).sum()).isCloseTo(1.0, within(1e-12));
        double[] rates = LayerRates.fromCka(cka, 0.5, 0.01, 1.0);
        assertThat(rates).containsExactly(0.51, 0.51, 0.49, 0.49);
        double[] odd = LayerRates.fromCka(new double[][] {{1, 0.9, 0.1}, {0.9, 1, 0.5}, {0.1, 0.5, 1}}, 0.6, 0.02, 1.0);
        // ρ = 1.0, 1.4, 0.6 (over 3): layer 1 is the most redundant, layer 2 the least.
        assertThat(odd).containsExactly(0.6, 0.62, 0.58);
    }

    @Test
    void negativeRatesAreClippedToZero() {
        assertThat(LayerRates.allocate(new double[] {2, 1}, 0.005, 0.01)).containsExactly(0.0, 0.015);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** A random point of the box [t − d, t + d]^L with mean t: random pairs moved in opposite directions. */
    private static double[] feasible(SplittableRandom r, int layers, double target, double delta) {
        double[] x = LayerRates.uniform(layers, target);
        if (layers < 2) return x;
        for (int k = 0; k < 4 * layers; k++) {
            int i = r.nextInt(layers), j = r.nextInt(layers);
            if (i == j) continue;
            double room = Math.min(target + delta - x[i], x[j] - (target - delta));
            double move = r.nextDouble() * room;
            x[i] += move;
            x[j] -= move;
        }
        return x;
    }
}
