package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

class TapeTest {
    @Test
    void diamondAccumulatesBothPaths() {
        Var x = Var.parameter(Tensor.of(new float[] {3f}, 1));
        Var y = Ops.mul(x, x);                  // x²
        Var z = Ops.add(y, Ops.scale(x, 2f));   // x² + 2x
        Tape.backward(z);
        assertThat(x.grad().data()[0]).isCloseTo(2 * 3f + 2f, within(1e-6f));
    }

    @Test
    void parametersAccumulateUntilZeroed() {
        Var x = Var.parameter(Tensor.of(new float[] {1f, 2f}, 2));
        Tape.backward(Ops.sum(Ops.scale(x, 3f)));
        Tape.backward(Ops.sum(Ops.scale(x, 3f)));
        assertThat(x.grad().toArray()).containsExactly(6f, 6f);
        Tape.zeroGrad(java.util.List.of(x));
        assertThat(x.grad().toArray()).containsExactly(0f, 0f);
    }

    @Test
    void constantsGetNoGradientAndNoWork() {
        Var w = Var.constant(Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2));
        Var x = Var.parameter(Tensor.of(new float[] {1f, 1f}, 1, 2));
        Var y = LinearOps.linear(x, w);
        Tape.backward(Ops.sum(y));
        assertThat(w.grad()).isNull();
        assertThat(x.grad().toArray()).containsExactly(4f, 6f);
    }

    @Test
    void onlyConstantsBuildNoGraph() {
        Var a = Var.constant(Tensor.of(new float[] {1f}, 1));
        Var y = Ops.add(a, a);
        assertThat(y.requiresGrad()).isFalse();
        assertThatThrownBy(() -> Tape.backward(y)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noGradRecordsNothing() {
        Var x = Var.parameter(Tensor.of(new float[] {1f}, 1));
        Var y = Tape.noGrad(() -> Ops.scale(x, 2f));
        assertThat(y.requiresGrad()).isFalse();
        assertThat(Tape.isRecording()).isTrue();
        assertThat(y.value().data()[0]).isEqualTo(2f);
    }

    @Test
    void intermediateGradientsAreDroppedUnlessRetained() {
        Var x = Var.parameter(Tensor.of(new float[] {1f, 2f}, 2));
        Var h = Ops.scale(x, 2f);
        Var kept = Ops.scale(h, 3f).retainGrad();
        Tape.backward(Ops.sum(kept));
        assertThat(h.grad()).isNull();
        assertThat(kept.grad().toArray()).containsExactly(1f, 1f);
        assertThat(x.grad().toArray()).containsExactly(6f, 6f);
    }

    @Test
    void secondBackwardThroughAFreedGraphFails() {
        Var x = Var.parameter(Tensor.of(new float[] {1f}, 1));
        Var y = Ops.scale(x, 2f);
        Var loss = Ops.sum(y);
        Tape.backward(loss);
        assertThatThrownBy(() -> Tape.backward(Ops.sum(y))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Var x = Var.parameter(Tensor.of(new float[] {1f}, 1));
        Var loss = Ops.sum(Ops.scale(x, 2f));
        Tape.backward(loss, Tensor.of(new float[] {1f}, 1), true);
        Tape.backward(loss, Tensor.of(new float[] {1f}, 1), true);
        assertThat(x.grad().data()[0]).isEqualTo(4f);
    }

    @Test
    void deepChainNeedsNoRecursion() {
        Var x = Var.parameter(Tensor.of(new float[] {1f}, 1));
        Var h = x;
        for (int i = 0; i < 100_000; i++) h = Ops.scale(h, 1f);
        Tape.backward(Ops.sum(h));
        assertThat(x.grad().data()[0]).isEqualTo(1f);
    }
}
