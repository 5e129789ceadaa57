package org.sparselora4j.lora;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.util.EnumSet;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LoraLinearTest {
    private static final LoraConfig CONFIG = new LoraConfig(2, 6f, 0f, EnumSet.of(Target.Q));

    /** W (4, 3) with a fresh rank-2 adapter: B = 0. */
    private static LoraLinear fresh(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor w = Tensor.randn(random, 0.5f, 4, 3);
        return LoraLinear.fresh(w, CONFIG, random, new Dropout(0f, seed));
    }

    private static void randomizeB(LoraLinear lora, long seed) {
        Tensor b = lora.b().value();
        b.copyFrom(Tensor.randn(new SplittableRandom(seed), 0.5f, b.rows(), b.cols()));
    }

    @Test
    void aFreshAdapterLeavesTheOutputEqualToTheBase() {
        LoraLinear lora = fresh(1);
        Var x = Var.constant(Tensor.randn(new SplittableRandom(2), 1f, 5, 3));
        Tensor base = LinearOps.linear(x, Var.constant(lora.weight())).value();
        assertThat(lora.b().value().toArray()).containsOnly(0f);
        assertThat(lora.forward(x).value().toArray()).containsExactly(base.toArray(), within(1e-6f)); // two products: float rounding
        assertThat(lora.merged().toArray()).containsExactly(lora.weight().toArray());
    }

    @Test
    void gradientsOfABAndXMatchFiniteDifferencesAndWGetsNone() {
        LoraLinear lora = fresh(3);
        randomizeB(lora, 4);
        Var x = Var.parameter(Tensor.randn(new SplittableRandom(5), 1f, 3, 3));
        Tensor before = lora.weight().copy();
        GradCheck.Report r = GradCheck.check(() -> lora.forward(x), x, lora.a(), lora.b(), lora.frozenWeight());
        assertThat(r.passes(GradCheck.TOLERANCE)).as(r.toString()).isTrue();
        assertThat(r.checked()).isEqualTo(x.value().size() + lora.a().value().size() + lora.b().value().size());
        assertThat(r.frozenWithGrad()).isZero();
        assertThat(lora.frozenWeight().requiresGrad()).isFalse();
        assertThat(lora.frozenWeight().grad()).isNull();
        assertThat(lora.weight().toArray()).containsExactly(before.toArray());
        assertThat(lora.parameters()).containsExactly(lora.a(), lora.b());
    }

    @Test
    void theGradientOfAFreshBIsNotZero() {
        // B = 0 makes dA zero, but dB = s · dyᵀ · (x·Aᵀ) is not: training can leave the starting point.
        LoraLinear lora = fresh(6);
        Var x = Var.constant(Tensor.randn(new SplittableRandom(7), 1f, 5, 3));
        Tape.backward(Ops.sum(lora.forward(x)));
        assertThat(lora.b().grad().toArray()).isNotEqualTo(new float[lora.b().value().size()]);
        assertThat(lora.a().grad() == null ? new float[0] : lora.a().grad().toArray()).containsOnly(0f);
    }

    /**
     * q, k and v over one input (and a frozen projection among them): their down-projections made in one pass
     * (Linear.forwardAll) give each layer's own forward, in value and every gradient; finite differences through it.
     */
    @Test
    void projectionsOfOneInputShareTheirDownProjection() {
        SplittableRandom random = new SplittableRandom(21);
        LoraConfig config = new LoraConfig(8, 16f, 0f, EnumSet.of(Target.Q));
        LoraLinear q = LoraLinear.fresh(Tensor.randn(random, 0.5f, 40, 37), config, random, new Dropout(0f, 1));
        LoraLinear k = LoraLinear.fresh(Tensor.randn(random, 0.5f, 9, 37), new LoraConfig(4, 8f, 0f, EnumSet.of(Target.K)), random, new Dropout(0f, 2));
        Linear v = Linear.frozen(Tensor.randn(random, 0.5f, 9, 37));
        for (LoraLinear l : new LoraLinear[] {q, k}) randomizeB(l, 22);
        Var x = Var.parameter(Tensor.randn(random, 1f, 6, 37));
        Linear[] ps = {q, k, v};
        Var[] each = {q.forward(x), k.forward(x), v.forward(x)};
        Var[] shared = Linear.forwardAll(x, ps);
        Var[] params = {x, q.a(), q.b(), k.a(), k.b()};
        float[][] separate = gradients(each, params);
        float[][] together = gradients(shared, params);
        for (int i = 0; i < 3; i++) assertThat(shared[i].value().toArray()).containsExactly(each[i].value().toArray(), within(1e-5f));
        for (int i = 0; i < params.length; i++) assertThat(together[i]).containsExactly(separate[i], within(1e-4f));
        GradCheck.assertGradients(() -> {
            Var[] y = Linear.forwardAll(x, ps);
            return Ops.add(Ops.add(LinearOps.matmul(y[0], Var.constant(Tensor.randn(new SplittableRandom(5), 1f, 40, 9))), y[1]), y[2]);
        }, params);
        assertThat(v.lowRankDown()).isNull();
        // Dropout on: no shared down-projection (each layer draws its own mask).
        Dropout on = new Dropout(0.5f, 3);
        on.train(1);
        assertThat(LoraLinear.fresh(Tensor.randn(random, 0.5f, 4, 37), config, random, on).lowRankDown()).isNull();
    }

    /** Each parameter's gradient after one backward of Σ y_i ⊙ R_i (R fixed). */
    private static float[][] gradients(Var[] ys, Var[] params) {
        for (Var p : params) p.zeroGrad();
        Var sum = null;
        for (int i = 0; i < ys.length; i++) {
            Var r = Var.constant(Tensor.randn(new SplittableRandom(30 + i), 1f, ys[i].rows(), ys[i].cols()));
            Var term = Ops.sum(Ops.mul(ys[i], r));
            sum = sum == null ? term : Ops.add(sum, term);
        }
        Tape.backward(sum);
        float[][] g = new float[params.length][];
        for (int i = 0; i < params.length; i++) g[i] = params[i].grad().toArray();
        return g;
    }

    @Test
    void mergedIsWPlusScaleTimesBA() {
        LoraLinear lora = fresh(8);
        randomizeB(lora, 9);
        float s = CONFIG.scale();
        assertThat(lora.scale()).isEqualTo(3f);
        Tensor w = lora.weight(), a = lora.a().value(), b = lora.b().value();
        Tensor merged = lora.merged();
        for (int o = 0; o < w.rows(); o++) {
            for (int i = 0; i < w.cols(); i++) {
                double expected = w.get(o, i);
                for (int k = 0; k < a.rows(); k++) expected += s * (double) b.get(o, k) * a.get(k, i);
                assertThat((double) merged.get(o, i)).isCloseTo(expected, within(1e-5));
            }
        }
        Var x = Var.constant(Tensor.randn(new SplittableRandom(10), 1f, 5, 3));
        LoraFixtures.assertClose(lora.forward(x).value(), LinearOps.linear(x, Var.constant(merged)).value(), 1e-5);
    }
}
