package org.sparselora4j.autograd;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Var#dropValue}: a SwiGLU product freed after the forward gives the same gradients, recomputed once on demand. */
class DroppedValueTest {
    private record Grads(float[] gate, float[] up, float[] w, float loss) {
    }

    private static Grads run(boolean drop) {
        SplittableRandom random = new SplittableRandom(7);
        Var gate = Var.parameter(Tensor.randn(random, 1f, 6, 10));
        Var up = Var.parameter(Tensor.randn(random, 1f, 6, 10));
        Var w = Var.parameter(Tensor.randn(random, 0.3f, 4, 10));
        Var h = Ops.swiglu(gate, up);
        Var y = LinearOps.linear(h, w);   // its backward reads h (for w's gradient)
        if (drop) Ops.recomputeSwigluLater(h, gate, up);
        Var loss = Ops.sum(Ops.mul(y, y));
        Tape.backward(loss);
        return new Grads(gate.grad().toArray(), up.grad().toArray(), w.grad().toArray(), loss.value().toArray()[0]);
    }

    @Test
    void aDroppedSwigluProductGivesTheSameGradientsBitForBit() {
        Grads kept = run(false), dropped = run(true);
        assertThat(dropped.loss()).isEqualTo(kept.loss());
        assertThat(dropped.gate()).isEqualTo(kept.gate());
        assertThat(dropped.up()).isEqualTo(kept.up());
        assertThat(dropped.w()).isEqualTo(kept.w());
    }

    @Test
    void theValueIsRecomputedOnceWhenReadAndLeavesAreNeverDropped() {
        Var gate = Var.parameter(Tensor.randn(new SplittableRandom(1), 1f, 3, 5));
        Var up = Var.parameter(Tensor.randn(new SplittableRandom(2), 1f, 3, 5));
        Var h = Ops.swiglu(gate, up);
        float[] before = h.value().toArray();
        int[] calls = {0};
        h.dropValue(() -> {
            calls[0]++;
            Tensor t = Tensor.zeros(3, 5);
            org.sparselora4j.tensor.kernel.SwiGlu.forward(gate.value(), up.value(), t);
            return t;
        });
        assertThat(h.shape().dims()).containsExactly(3, 5);
        assertThat(h.rows()).isEqualTo(3);
        assertThat(calls[0]).isZero();
        assertThat(h.value().toArray()).isEqualTo(before);
        h.value();
        assertThat(calls[0]).isEqualTo(1);
        assertThatThrownBy(() -> gate.dropValue(() -> null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void underNoGraphNothingIsDropped() {
        Var gate = Var.constant(Tensor.randn(new SplittableRandom(1), 1f, 3, 5));
        Var up = Var.constant(Tensor.randn(new SplittableRandom(2), 1f, 3, 5));
        Var h = Ops.swiglu(gate, up);
        Tensor value = h.value();
        Ops.recomputeSwigluLater(h, gate, up);
        assertThat(h.value()).isSameAs(value);
    }
}
