package org.sparselora4j.sparse.losa;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * LoSA's per-layer LoRA ranks from reconstruction error (METHODS 2.6): r_l = clip(round(e_l / Σe · r̄·L), 1,
 * maxRank) with round half to even (Python's round), then one repair pass towards a total of r̄·L: if the total
 * is too large, layers in increasing-error order lose 1 each (not below 1) until it fits; if too small, layers in
 * decreasing-error order gain 1 each (not above maxRank). The pass stops when the total is reached.
 */
public final class RankAllocation {
    private RankAllocation() {
    }

    /** Ranks for errors e (one per layer), mean rank r̄ and the cap (16 in the reference code). */
    public static int[] fromErrors(double[] errors, int meanRank, int maxRank) {
        int layers = errors.length;
        if (meanRank < 1 || maxRank < 1) throw new IllegalArgumentException("ranks must be at least 1: mean " + meanRank + ", max " + maxRank);
        double sum = Arrays.stream(errors).sum();
        if (!(sum > 0) || !Double.isFinite(sum)) return uniform(layers, Math.min(meanRank, maxRank));
        long budget = (long) meanRank * layers;
        int[] ranks = new int[layers];
        for (int l = 0; l < layers; l++) {
            double r = Math.rint(errors[l] / sum * budget);
            ranks[l] = (int) Math.min(maxRank, Math.max(1, r));
        }
        long total = Arrays.stream(ranks).asLongStream().sum();
        Integer[] byError = IntStream.range(0, layers).boxed().toArray(Integer[]::new);
        Arrays.sort(byError, Comparator.comparingDouble((Integer l) -> errors[l]).thenComparingInt(l -> l));
        if (total > budget) {
            for (int k = 0; k < layers && total > budget; k++) {
                int l = byError[k];
                if (ranks[l] > 1) {
                    ranks[l]--;
                    total--;
                }
            }
        } else if (total < budget) {
            for (int k = layers - 1; k >= 0 && total < budget; k--) {
                int l = byError[k];
                if (ranks[l] < maxRank) {
                    ranks[l]++;
                    total++;
                }
            }
        }
        return ranks;
    }

    /** The same rank for every layer. */
    public static int[] uniform(int layers, int rank) {
        int[] r = new int[layers];
        Arrays.fill(r, rank);
        return r;
    }
}
