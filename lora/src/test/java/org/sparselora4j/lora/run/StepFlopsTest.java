package org.sparselora4j.lora.run;

import org.junit.jupiter.api.Test;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FLOP count against hand arithmetic on a tiny shape: dim 4, FFN 6, 2 heads sharing 1 kv head (head size 2,
 * kv width 2), vocabulary 10; one sequence of 3 positions, the last 2 labelled. So n = 3 rows, and per layer
 * (2·n·in·out): q 96, k 48, v 48, o 96, gate 144, up 144, down 144; attention unit 2·heads·T²·headSize = 72 (T = 3
 * is one causal block, so all T² pairs);
 * classifier 2·2·4·10 = 160. The last block's FFN runs on the 2 labelled rows only: gate, up, down 2·2·4·6 = 96.
 */
class StepFlopsTest {
    private static LlamaConfig config(int layers) {
        return new LlamaConfig(4, 6, layers, 2, 1, 10, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    }

    private static final TokenBatch BATCH = new TokenBatch(1, 3, new int[] {1, 2, 3}, new int[] {-1, 4, 5}, new int[] {3});

    @Test
    void fullFineTuningCountsEveryProductOnceForwardAndTwiceBackward() {
        StepFlops.Count c = StepFlops.fullFineTuning(config(1), BATCH);
        // forward: 96 + 48 + 48 + attention 2·72 + 96 + 3·96 (FFN on the labelled rows) + 160
        assertThat(c.forward()).isEqualTo(880);
        // backward: every projection dx and dw (2×), attention dV, dP, dQ, dK (4·72), classifier dx and dw
        assertThat(c.backward()).isEqualTo(1760);
        assertThat(c.total()).isEqualTo(2640);
    }

    @Test
    void loraCountsBranchesAndSkipsFrozenGradients() {
        LoraConfig lora = new LoraConfig(1, 2, 0f, EnumSet.allOf(Target.class));
        StepFlops.Count c = StepFlops.lora(config(1), lora, BATCH);
        // forward: base products as above plus each branch 2·n·in·r + 2·n·r·out:
        // q 96+24+24, k 48+24+12, v 48+24+12, attention 144, o 96+24+24; on the 2 labelled rows gate and up
        // 96+16+24, down 96+24+16; classifier 160
        assertThat(c.forward()).isEqualTo(1168);
        // backward: layer 0's q, k, v see the frozen embedding, so neither base nor branch computes dx there:
        // q 2·24 + 24, k and v 2·12 + 24 each; attention 4·72; o 96 + 2·24 + 24 + 24; gate and up 96 + 2·24 + 16 + 16;
        // down 96 + 2·16 + 24 + 24; classifier dx 160 (no dw: frozen)
        assertThat(c.backward()).isEqualTo(1336);
    }

    @Test
    void attentionCountsTheCausalBlocksNotTheFullSquare() {
        // T = 512 in blocks of 64: block i (64 queries) meets 64·(i + 1) keys, 64·64·36 = 147456 pairs, 0.5625·T².
        StepFlops.Count a = StepFlops.attention(1, 512, 2, 8, true, true);
        double unit = 2.0 * 2 * 147456 * 8;
        assertThat(a.forward()).isEqualTo(2 * unit);
        assertThat(a.backward()).isEqualTo(4 * unit);
    }

    @Test
    void laterLayersComputeInputGradientsForQkv() {
        LoraConfig lora = new LoraConfig(1, 2, 0f, EnumSet.allOf(Target.class));
        StepFlops.Count one = StepFlops.lora(config(1), lora, BATCH);
        StepFlops.Count two = StepFlops.lora(config(2), lora, BATCH);
        // layer 1 (now last, its FFN on the labelled rows) leaves layer 0 on every row: that costs a whole layer's
        // forward (1212) and backward (1440, no dx of q, k, v) more, plus the dx of q (96 + 24), k (48 + 24) and
        // v (48 + 24) in layer 1
        assertThat(two.forward() - one.forward()).isEqualTo(1212);
        assertThat(two.backward() - one.backward()).isEqualTo(1440 + 264);
    }

    @Test
    void loraOnDownOnlyLeavesAttentionWithoutBackward() {
        LoraConfig lora = new LoraConfig(1, 2, 0f, Set.of(Target.DOWN));
        StepFlops.Count c = StepFlops.lora(config(1), lora, BATCH);
        // forward: base 880 − 160 + classifier 160, plus the down branch on the labelled rows 24 + 16
        assertThat(c.forward()).isEqualTo(880 + 40);
        // backward: only the down branch (dB 16, du 16, dA 24; its input needs no gradient) and the classifier dx
        assertThat(c.backward()).isEqualTo(16 + 16 + 24 + 160);
    }

    @Test
    void methodsReportTheirCount() {
        var weights = org.sparselora4j.models.llama.LlamaInit.random(config(1), 1);
        assertThat(new FullFineTuning(weights).flops(BATCH, 0)).isEqualTo(2640);
        var adapter = org.sparselora4j.lora.LoraAdapter.create(weights, new LoraConfig(1, 2, 0f, EnumSet.allOf(Target.class)), 1);
        assertThat(new LoraMethod(adapter).flops(BATCH, 0)).isEqualTo(1168 + 1336);
    }
}
