package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;

class GradCheckTest {
    private final SplittableRandom random = new SplittableRandom(5);

    @Test
    void aCorrectGradientIsWellWithinTolerance() {
        Var x = param(random, 3, 4), w = param(random, 5, 4);
        GradCheck.Report r = GradCheck.check(() -> LinearOps.linear(x, w), x, w);
        assertThat(r.maxError()).isLessThan(1e-3);
        assertThat(r.checked()).isEqualTo(12 + 20);
    }

    @Test
    void aWrongGradientFails() {
        Var x = param(random, 3, 4);
        // y = x², with a backward that forgets the factor 2.
        assertThatThrownBy(() -> GradCheck.assertGradients(() -> {
            Tensor y = Tensor.zeros(x.shape());
            Elementwise.mul(x.value(), x.value(), y);
            return Var.op(y, dy -> Ops.mul(Var.constant(dy), Var.constant(x.value())).value(), x);
        }, x)).isInstanceOf(AssertionError.class);
        Var z = param(random, 3, 4);
        assertThatThrownBy(() -> GradCheck.assertGradients(() -> {
            Tensor y = Tensor.zeros(z.shape());
            Elementwise.mul(z.value(), z.value(), y);
            return Var.op(y, dy -> z.accumulate(Ops.mul(Var.constant(dy), Var.constant(z.value())).value()), z);
        }, z)).isInstanceOf(AssertionError.class).hasMessageContaining("analytic");
    }

    @Test
    void aFrozenInputThatGetsAGradientFails() {
        Var c = Var.constant(Tensor.of(new float[] {1f}, 1));
        Var x = param(random, 1);
        // An op that wrongly writes into a frozen input's storage would need gradBuffer, which throws for it.
        assertThatThrownBy(() -> c.gradBuffer()).isInstanceOf(IllegalStateException.class);
        GradCheck.Report r = GradCheck.check(() -> Ops.mul(x, c), x, c);
        assertThat(r.frozenWithGrad()).isZero();
    }
}
