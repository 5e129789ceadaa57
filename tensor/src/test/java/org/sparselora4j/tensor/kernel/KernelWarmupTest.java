package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KernelWarmupTest {
    @Test
    @Tag("slow") // seconds of JIT work on a busy machine
    void warmUpRunsEveryKernelOnItsSmallOperandsWithoutFailing() {
        assertThat(KernelWarmup.run()).isPositive();
    }
}
