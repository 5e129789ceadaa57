package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

class OptimizerTest {
    @Test
    void adamWConvergesOnAQuadratic() {
        // L = Σ (x − c)², minimum at c.
        Var x = Var.parameter(Tensor.of(new float[] {5f, -3f, 0.5f}, 3));
        Var c = Var.constant(Tensor.of(new float[] {1f, 2f, -1f}, 3));
        AdamW opt = new AdamW(List.of(x), AdamW.Config.defaults().withWeightDecay(0));
        for (int step = 0; step < 2000; step++) {
            Tape.zeroGrad(opt.params());
            Var d = Ops.sub(x, c);
            Tape.backward(Ops.sum(Ops.mul(d, d)));
            opt.step(0.05);
        }
        assertThat(x.value().toArray()).usingComparatorWithPrecision(1e-3f).containsExactly(1f, 2f, -1f);
    }

    @Test
    void firstTwoStepsByHand() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        Var p = Var.parameter(Tensor.of(new float[] {1f}, 1));
        AdamW opt = new AdamW(List.of(p), new AdamW.Config(b1, b2, eps, wd));
        double x = 1, m = 0, v = 0;
        double[] grads = {0.5, -2.0};
        for (int t = 1; t <= 2; t++) {
            double g = grads[t - 1];
            p.zeroGrad();
            p.accumulate(Tensor.of(new float[] {(float) g}, 1));
            opt.step(lr);
            x = x - lr * wd * x;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double mhat = m / (1 - Math.pow(b1, t)), vhat = v / (1 - Math.pow(b2, t));
            x = x - lr * mhat / (Math.sqrt(vhat) + eps);
            assertThat((double) p.value().data()[0]).as("step " + t).isCloseTo(x, within(1e-6));
        }
        // Step 1 moves by lr · sign(g) (plus decay): 1 − 0.01 − 0.1 = 0.89.
        assertThat(opt.stepCount()).isEqualTo(2);
    }

    @Test
    void parametersWithoutGradientAreLeftAlone() {
        Var a = Var.parameter(Tensor.of(new float[] {1f}, 1)), b = Var.parameter(Tensor.of(new float[] {1f}, 1));
        AdamW opt = new AdamW(List.of(a, b), AdamW.Config.defaults());
        a.accumulate(Tensor.of(new float[] {1f}, 1));
        opt.step(0.1);
        assertThat(a.value().data()[0]).isNotEqualTo(1f);
        assertThat(b.value().data()[0]).isEqualTo(1f);
    }

    @Test
    void stateRoundTripResumesExactly() {
        float[] start = {0.3f, -0.7f};
        Var x1 = Var.parameter(Tensor.of(start.clone(), 2));
        AdamW full = new AdamW(List.of(x1), AdamW.Config.defaults());
        for (int s = 0; s < 6; s++) quadraticStep(x1, full);

        Var x2 = Var.parameter(Tensor.of(start.clone(), 2));
        AdamW first = new AdamW(List.of(x2), AdamW.Config.defaults());
        for (int s = 0; s < 3; s++) quadraticStep(x2, first);
        List<Tensor> saved = first.exportState().toTensors();
        Var x3 = Var.parameter(x2.value().copy());
        AdamW resumed = new AdamW(List.of(x3), AdamW.Config.defaults());
        resumed.importState(AdamW.State.fromTensors(saved));
        assertThat(resumed.stepCount()).isEqualTo(3);
        for (int s = 0; s < 3; s++) quadraticStep(x3, resumed);
        assertThat(x3.value().toArray()).containsExactly(x1.value().toArray());
    }

    private static void quadraticStep(Var x, AdamW opt) {
        x.zeroGrad();
        Tape.backward(Ops.sum(Ops.mul(x, x)));
        opt.step(0.01);
    }

    @Test
    void clippingScalesToTheMaxNorm() {
        Var a = Var.parameter(Tensor.zeros(2)), b = Var.parameter(Tensor.zeros(1)), frozen = Var.constant(Tensor.zeros(1));
        a.accumulate(Tensor.of(new float[] {3f, 0f}, 2));
        b.accumulate(Tensor.of(new float[] {4f}, 1));
        double norm = GradClip.clipGlobalNorm(List.of(a, b, frozen), 1.0);
        assertThat(norm).isCloseTo(5.0, within(1e-9));
        assertThat(GradClip.globalNorm(List.of(a, b))).isCloseTo(1.0, within(1e-5));
        assertThat(a.grad().data()[0]).isCloseTo(0.6f, within(1e-5f));
        // Below the limit nothing changes.
        assertThat(GradClip.clipGlobalNorm(List.of(a, b), 10.0)).isCloseTo(1.0, within(1e-5));
        assertThat(b.grad().data()[0]).isCloseTo(0.8f, within(1e-5f));
    }

    @Test
    void clippingReportsNonFiniteGradientsAndLeavesThem() {
        Var a = Var.parameter(Tensor.zeros(2));
        a.accumulate(Tensor.of(new float[] {Float.NaN, 1f}, 2));
        assertThat(Double.isFinite(GradClip.clipGlobalNorm(List.of(a), 1.0))).isFalse();
        assertThat(a.grad().data()[1]).isEqualTo(1f);
        Var b = Var.parameter(Tensor.zeros(1));
        b.accumulate(Tensor.of(new float[] {Float.POSITIVE_INFINITY}, 1));
        assertThat(GradClip.clipGlobalNorm(List.of(b), 1.0)).isInfinite();
    }

    @Test
    void scheduleBoundaries() {
        Schedule cos = new Schedule.WarmupCosine(1.0, 10, 110, 0.0);
        assertThat(cos.lr(0)).isEqualTo(0.0);
        assertThat(cos.lr(5)).isCloseTo(0.5, within(1e-12));
        assertThat(cos.lr(10)).isCloseTo(1.0, within(1e-12));
        assertThat(cos.lr(60)).isCloseTo(0.5, within(1e-12));
        assertThat(cos.lr(110)).isCloseTo(0.0, within(1e-12));
        assertThat(cos.lr(500)).isCloseTo(0.0, within(1e-12));

        Schedule lin = new Schedule.WarmupLinear(2.0, 4, 8, 0.5);
        assertThat(lin.lr(0)).isEqualTo(0.0);
        assertThat(lin.lr(2)).isCloseTo(1.0, within(1e-12));
        assertThat(lin.lr(4)).isCloseTo(2.0, within(1e-12));
        assertThat(lin.lr(6)).isCloseTo(1.25, within(1e-12));
        assertThat(lin.lr(8)).isCloseTo(0.5, within(1e-12));
        assertThat(lin.lr(9)).isCloseTo(0.5, within(1e-12));

        Schedule noWarmup = new Schedule.WarmupCosine(1.0, 0, 10, 0.1);
        assertThat(noWarmup.lr(0)).isCloseTo(1.0, within(1e-12));
        assertThat(new Schedule.Constant(3e-4).lr(12345)).isEqualTo(3e-4);
        assertThat(Schedule.warmupSteps(0.04, 1000)).isEqualTo(40);
        assertThat(Schedule.warmupSteps(0.04, 10)).isEqualTo(1);
    }
}
