package org.sparselora4j.lora.run;

import org.junit.jupiter.api.Test;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.OutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepBenchmarkTest {
    private static final LlamaConfig TINY = new LlamaConfig(16, 24, 2, 4, 2, 40, 32, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void randomBatchLabelsOnlyTheLastOutputTokens() {
        TokenBatch b = StepBenchmark.randomBatch(40, 2, 8, 3, 7);
        assertThat(b.labelCount()).isEqualTo(6);
        assertThat(b.labelRows()).containsExactly(5, 6, 7, 13, 14, 15);
        assertThat(b.tokenCount()).isEqualTo(16);
        // a target is the next row's input
        assertThat(b.targets()[5]).isEqualTo(b.tokens()[6]);
        assertThatThrownBy(() -> StepBenchmark.randomBatch(40, 2, 8, 9, 7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timesStepsThatTrain() {
        var adapter = LoraAdapter.create(LlamaInit.random(TINY, 3), LoraConfig.defaults(), 3);
        TokenBatch batch = StepBenchmark.randomBatch(40, 2, 16, 16, 5);
        StepBenchmark.Result r = StepBenchmark.run(new LoraMethod(adapter), batch, 1, 4, new Parallel(1), QUIET);
        assertThat(r.method()).isEqualTo("lora");
        assertThat(r.steps()).isEqualTo(4);
        assertThat(r.medianMs()).isPositive().isBetween(r.minMs(), r.maxMs());
        assertThat(r.tokensPerStep()).isEqualTo(32);
        assertThat(r.flopsPerStep()).isEqualTo(StepFlops.lora(TINY, LoraConfig.defaults(), batch).total());
        assertThat(r.tokensPerSecond()).isEqualTo(32 / (r.medianMs() / 1e3));
        assertThat(r.lastLoss()).isLessThan(r.firstLoss());
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertThat(StepBenchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(StepBenchmark.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
    }
}
