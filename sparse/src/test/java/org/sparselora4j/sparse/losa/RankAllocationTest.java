package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class RankAllocationTest {
    @Test
    void ranksFollowTheErrorsAndSumToTheBudget() {
        int[] r = RankAllocation.fromErrors(new double[] {0.1, 0.2, 0.3, 0.4}, 6, 16);
        // 24 · e / Σe = 2.4, 4.8, 7.2, 9.6 → 2, 5, 7, 10 (sum 24).
        assertThat(r).containsExactly(2, 5, 7, 10);
    }

    @Test
    void roundingIsHalfToEvenLikePython() {
        // 8 · e / Σe = 2.5, 3.5, 1, 1 → 2, 4, 1, 1 (half to even; Math.round would give 3 and overshoot the budget).
        assertThat(RankAllocation.fromErrors(new double[] {2.5, 3.5, 1, 1}, 2, 16)).containsExactly(2, 4, 1, 1);
    }

    @Test
    void tooLargeATotalIsRepairedFromTheLowestError() {
        // 3 · e / Σe = 0.375, 1.125, 1.5 → 0, 1, 2 → floor 1: 1, 1, 2 = 4 > 3; layer 0 cannot go below 1, layer 1 neither, layer 2 gives one.
        assertThat(RankAllocation.fromErrors(new double[] {1, 3, 4}, 1, 16)).containsExactly(1, 1, 1);
    }

    @Test
    void theCapAndTheFloorHoldAndTheRepairWalksOnce() {
        // One layer takes almost all error: 16 cap, the rest 1; the total is below the budget and cannot be repaired past the cap.
        int[] r = RankAllocation.fromErrors(new double[] {100, 0.001, 0.001, 0.001}, 8, 16);
        assertThat(r[0]).isEqualTo(16);
        for (int l = 1; l < 4; l++) assertThat(r[l]).isBetween(1, 16);
        assertThat(r).containsExactly(16, 2, 2, 2);  // 16 + 1 + 1 + 1 = 19 < 32: one pass adds 1 to each of the three others
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            double[] e = new double[1 + random.nextInt(10)];
            for (int l = 0; l < e.length; l++) e[l] = random.nextDouble();
            int mean = 1 + random.nextInt(10);
            int[] ranks = RankAllocation.fromErrors(e, mean, 16);
            for (int x : ranks) assertThat(x).isBetween(1, 16);
            // One pass moves each layer by at most 1, so it closes a gap of up to L (rounding and the floor of 1 open at most that).
            assertThat(Math.abs(Arrays.stream(ranks).sum() - mean * e.length)).as("errors %s", Arrays.toString(e)).isLessThanOrEqualTo(e.length);
        }
    }

    @Test
    void zeroErrorsGiveTheMeanRank() {
        assertThat(RankAllocation.fromErrors(new double[] {0, 0, 0}, 6, 16)).containsExactly(6, 6, 6);
    }
}
