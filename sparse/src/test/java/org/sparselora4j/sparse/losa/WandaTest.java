package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WandaTest {
    private static double[] norms(int in, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] n = new double[in];
        for (int j = 0; j < in; j++) n[j] = 0.1 + 10 * r.nextDouble();
        return n;
    }

    @Test
    void unstructuredPrunesTheLowestScoresOfEveryRow() {
        Tensor w = Tensor.randn(new SplittableRandom(1), 1f, 6, 10);
        double[] n = norms(10, 2);
        Tensor original = w.copy();
        Wanda.prune(w, n, 0.3, PrunePattern.unstructured());
        for (int i = 0; i < 6; i++) {
            double[] s = new double[10];
            for (int j = 0; j < 10; j++) s[j] = Math.abs(original.get(i, j)) * Math.sqrt(n[j]);
            double[] sorted = s.clone();
            Arrays.sort(sorted);
            for (int j = 0; j < 10; j++) {
                boolean pruned = w.get(i, j) == 0f;
                assertThat(pruned).as("row %d col %d", i, j).isEqualTo(s[j] < sorted[3]);
                if (!pruned) assertThat(w.get(i, j)).isEqualTo(original.get(i, j));
            }
        }
        assertThat(Sparsity.of(w)).isEqualTo(0.3);
    }

    @Test
    void theMatrixIsWithinOneElementOfTheRateAndRowsDifferByAtMostOne() {
        Tensor w = Tensor.randn(new SplittableRandom(3), 1f, 7, 9);
        Wanda.prune(w, norms(9, 4), 0.7, PrunePattern.unstructured());
        assertThat(Sparsity.zeros(w)).isEqualTo(Math.round(0.7 * 63));
        for (int i = 0; i < 7; i++) assertThat(Sparsity.zeros(w.row(i))).isBetween(6L, 7L);
    }

    @Test
    void existingZerosArePrunedFirstSoTheMaskNeverRelaxes() {
        Tensor w = Tensor.randn(new SplittableRandom(5), 1f, 4, 8);
        Wanda.prune(w, norms(8, 6), 0.5, PrunePattern.unstructured());
        Tensor first = w.copy();
        Wanda.prune(w, norms(8, 7), 0.25, PrunePattern.unstructured());  // a lower rate with other statistics
        assertThat(w.toArray()).containsExactly(first.toArray());
        Wanda.prune(w, norms(8, 8), 0.75, PrunePattern.unstructured());
        for (int i = 0; i < 32; i++) if (first.data()[i] == 0f) assertThat(w.data()[i]).isZero();
        assertThat(Sparsity.of(w)).isEqualTo(0.75);
    }

    @Test
    void nOfMKeepsTheHighestScoresOfEveryGroup() {
        Tensor w = Tensor.randn(new SplittableRandom(9), 1f, 5, 16);
        double[] n = norms(16, 10);
        Tensor original = w.copy();
        Wanda.prune(w, n, 0, new PrunePattern.NOfM(2, 4));
        assertThat(Sparsity.of(w)).isEqualTo(0.5);
        for (int i = 0; i < 5; i++) {
            for (int g = 0; g < 16; g += 4) {
                int kept = 0;
                double minKept = Double.MAX_VALUE, maxPruned = -1;
                for (int j = g; j < g + 4; j++) {
                    double s = Math.abs(original.get(i, j)) * Math.sqrt(n[j]);
                    if (w.get(i, j) != 0f) {
                        kept++;
                        minKept = Math.min(minKept, s);
                    } else {
                        maxPruned = Math.max(maxPruned, s);
                    }
                }
                assertThat(kept).isEqualTo(2);
                assertThat(minKept).isGreaterThanOrEqualTo(maxPruned);
            }
        }
    }

    @Test
    void nOfMMustDivideTheWidth() {
        assertThatThrownBy(() -> Wanda.prune(Tensor.zeros(2, 10), new double[10], 0, new PrunePattern.NOfM(4, 8)))
                .hasMessageContaining("does not divide the input width 10");
        assertThat(PrunePattern.NOfM.parse("4:8")).isEqualTo(new PrunePattern.NOfM(4, 8));
        assertThatThrownBy(() -> PrunePattern.NOfM.parse("5:4")).hasMessageContaining("keep 1 to 4");
        assertThatThrownBy(() -> PrunePattern.NOfM.parse("2-4")).hasMessageContaining("like 2:4");
    }

    @Test
    void nOfMScheduleStepsTowardsThePattern() {
        PrunePattern.NOfM p = new PrunePattern.NOfM(4, 8);
        assertThat(p.atFraction(0)).isEqualTo(new PrunePattern.NOfM(8, 8));
        assertThat(p.atFraction(0.5)).isEqualTo(new PrunePattern.NOfM(6, 8));
        assertThat(p.atFraction(1)).isEqualTo(p);
    }
}
