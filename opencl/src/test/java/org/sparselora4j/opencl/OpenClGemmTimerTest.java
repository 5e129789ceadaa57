package org.sparselora4j.opencl;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bench hook returns sane timings; its numbers are not asserted. */
class OpenClGemmTimerTest {
    @Test
    void timesDenseAndGatheredProducts() {
        try (OpenClBackend backend = OpenClFixture.backendOrSkip()) {
            for (MatMulVariant layout : new MatMulVariant[] {MatMulVariant.AB_T, MatMulVariant.AB, MatMulVariant.AT_B}) {
                OpenClGemmTimer.Timing t = OpenClGemmTimer.dense(backend, layout, 33, 65, 17, 3, 0);
                assertThat(t.deviceMs()).isPositive();
                assertThat(t.endToEndMs()).isPositive();
                assertThat(t.flops()).isEqualTo(2.0 * 33 * 65 * 17);
                assertThat(t.deviceGflops()).isPositive();
            }
            OpenClGemmTimer.Timing rows = OpenClGemmTimer.gathered(backend, MatMulVariant.ROWS_AB_T, 33, 65, 17, Index.of(1, 4, 16), 3, 0);
            assertThat(rows.kept()).isEqualTo(3);
            assertThat(rows.flops()).isEqualTo(2.0 * 33 * 65 * 3);
            OpenClGemmTimer.Timing cols = OpenClGemmTimer.gathered(backend, MatMulVariant.COLS_AB_T, 33, 65, 17, Index.of(0, 64), 3, 0);
            assertThat(cols.flops()).isEqualTo(2.0 * 33 * 2 * 17);
            assertThatThrownBy(() -> OpenClGemmTimer.dense(backend, MatMulVariant.ROWS_AB, 2, 2, 2, 1, 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
