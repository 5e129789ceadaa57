package org.sparselora4j.lora.run;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the tape really keeps per decoder block at the Llama 3.2 1B width (live heap after a forward, graph held,
 * two depths apart) against {@link MemoryEstimate}'s per-block figure: within 5% under and 25% over it. Slow: four
 * blocks of 1B width (0.5 GB of BF16 weights, 0.6 GB of activations).
 */
@Tag("slow")
class ActivationMemoryTest {
    private static long liveAfterForward(int layers) {
        LlamaConfig c = new LlamaConfig(2048, 8192, layers, 32, 8, 512, 512, 500000, Rope.Style.HALF_SPLIT, 1e-5f, true);
        LlamaWeights weights = LlamaInit.random(c, 1, 0.02f, ElementType.BF16);
        LoraAdapter adapter = LoraAdapter.create(weights, new LoraConfig(8, 16, 0f, EnumSet.allOf(Target.class)), 2, Backend.cpu());
        LoraMethod method = new LoraMethod(adapter);
        TokenBatch batch = StepBenchmark.randomBatch(c.vocabSize(), 1, 512, 128, 3);
        long before = used();
        Var loss = method.model().loss(batch, 0);
        long after = used();
        assertThat(loss.value().size()).isEqualTo(1);
        return after - before;
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void theEstimateCoversWhatABlockKeeps() {
        long two = liveAfterForward(2), four = liveAfterForward(4);
        long perBlock = (four - two) / 2;
        LlamaConfig c = new LlamaConfig(2048, 8192, 1, 32, 8, 512, 512, 500000, Rope.Style.HALF_SPLIT, 1e-5f, true);
        long estimated = MemoryEstimate.blockBytes(c, 1, 512);
        System.out.printf("activations per block at 1B width, 512 tokens: measured %.1f MB, estimated %.1f MB%n", perBlock / 1e6, estimated / 1e6);
        assertThat(estimated).isGreaterThanOrEqualTo(perBlock * 95 / 100).isLessThanOrEqualTo(perBlock * 5 / 4);
    }
}
