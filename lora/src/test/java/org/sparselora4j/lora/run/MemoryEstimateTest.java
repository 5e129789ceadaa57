package org.sparselora4j.lora.run;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.tensor.kernel.Rope;

import static org.assertj.core.api.Assertions.assertThat;

/** The pre-load estimate: checkpointing shrinks activations, and a run too big gets a message saying what to try. */
class MemoryEstimateTest {
    private static final LlamaConfig ONE_B = new LlamaConfig(2048, 8192, 16, 32, 8, 128256, 512, 500000, Rope.Style.HALF_SPLIT, 1e-5f, true);

    @Test
    void checkpointingKeepsActivationsFromGrowingWithDepth() {
        MemoryEstimate plain = MemoryEstimate.of(ONE_B, 2_500_000_000L, 0, 5_600_000, 1, 512, 128, false, 0);
        MemoryEstimate recomputed = MemoryEstimate.of(ONE_B, 2_500_000_000L, 0, 5_600_000, 1, 512, 128, true, 0);
        assertThat(recomputed.activationBytes()).isLessThan(plain.activationBytes() / 4);
        assertThat(recomputed.peakBytes()).isLessThan(5_000_000_000L);
        assertThat(plain.doesNotFit(64_000_000_000L, "try X")).isNull();
        assertThat(plain.doesNotFit(4_000_000_000L, "try --checkpointing")).startsWith("needs about").contains("the machine has 4.0 GB; try --checkpointing");
    }

    @Test
    void theHeapGetsRoomForGarbageWhereTheMachineHasIt() {
        MemoryEstimate e = MemoryEstimate.of(ONE_B, 2_500_000_000L, 0, 5_600_000, 1, 512, 128, false, 0);
        long least = e.heapFlagBytes();
        assertThat(e.heapFlagBytes(0)).isEqualTo(least);
        assertThat(e.heapFlagBytes(64_000_000_000L)).isEqualTo(2 * e.heapBytes() + (1L << 30)).isGreaterThan(least);
        // Where twice the heap would crowd the off-heap weights, the heap takes what a quarter of the machine leaves...
        long quarter = (2_500_000_000L + (400L << 20) + least + 1_000_000_000L + 2) / 3;
        assertThat(e.heapFlagBytes(4 * quarter)).isBetween(least + 1_000_000_000L, least + 1_000_000_002L);
        // ...and never less than it needs.
        assertThat(e.heapFlagBytes(3_000_000_000L)).isEqualTo(least);
    }
}
