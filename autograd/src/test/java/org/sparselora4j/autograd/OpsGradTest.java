package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

class OpsGradTest {
    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void add() {
        Var a = param(random, 3, 4), b = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.add(a, b), a, b);
    }

    @Test
    void addWithFrozenInput() {
        Var a = param(random, 3, 4), b = constant(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.add(a, b), a, b);
        assertThat(b.grad()).isNull();
    }

    @Test
    void addBias() {
        Var x = param(random, 3, 4), b = param(random, 4);
        GradCheck.assertGradients(() -> Ops.mul(Ops.addBias(x, b), Ops.addBias(x, b)), x, b);
    }

    @Test
    void addBiasFrozen() {
        Var x = param(random, 3, 4), b = constant(random, 4);
        GradCheck.assertGradients(() -> Ops.mul(Ops.addBias(x, b), x), x);
        assertThat(b.grad()).isNull();
    }

    @Test
    void sub() {
        Var a = param(random, 3, 4), b = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.sub(a, b), a, b);
    }

    @Test
    void mul() {
        Var a = param(random, 3, 4), b = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.mul(a, b), a, b);
    }

    @Test
    void scale() {
        Var a = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.scale(a, -1.5f), a);
    }

    @Test
    void sum() {
        Var a = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.sum(a), a);
    }

    @Test
    void reshape() {
        Var a = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.mul(Ops.reshape(a, 2, 6), Ops.reshape(a, 2, 6)), a);
    }

    @Test
    void detachStopsTheGradient() {
        Var a = param(random, 3, 4), b = param(random, 3, 4);
        GradCheck.Report r = GradCheck.check(() -> Ops.mul(Ops.detach(a), b), a, b);
        assertThat(a.grad()).isNull();
        assertThat(r.maxError()).isGreaterThan(0.5); // the numeric gradient of a is not zero; detach hides it on purpose
        GradCheck.assertGradients(() -> Ops.mul(Ops.detach(a), b), b);
    }

    @Test
    void rmsnorm() {
        Var x = param(random, 3, 4), w = param(random, 4);
        GradCheck.assertGradients(() -> Ops.rmsnorm(x, w, 1e-5f), x, w);
    }

    @Test
    void rmsnormWithFrozenWeight() {
        Var x = param(random, 3, 4), w = constant(random, 4);
        GradCheck.assertGradients(() -> Ops.rmsnorm(x, w, 1e-5f), x, w);
        assertThat(w.grad()).isNull();
    }

    @Test
    void ropeBothStyles() {
        int[] positions = {0, 3, 1};
        for (Rope.Style style : Rope.Style.values()) {
            Rope rope = new Rope(4, 8, 10000.0, style);
            Var x = param(random, 3, 8); // two heads of 4
            GradCheck.assertGradients(() -> Ops.rope(x, rope, positions), x);
        }
    }

    @Test
    void swiglu() {
        Var g = param(random, 3, 4), u = param(random, 3, 4);
        GradCheck.assertGradients(() -> Ops.swiglu(g, u), g, u);
    }

    @Test
    void embeddingWithRepeatedIds() {
        Var table = param(random, 5, 4);
        int[] ids = {1, 4, 1};
        GradCheck.assertGradients(() -> Ops.embedding(table, ids), table);
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        Var logits = param(random, 4, 5);
        int[] targets = {2, -1, 0, 4};
        GradCheck.assertGradients(() -> Ops.crossEntropy(logits, targets), logits);
        assertThat(logits.grad().row(1).toArray()).containsOnly(0f);
        assertThat(Ops.countLabelled(targets)).isEqualTo(3);
    }

    @Test
    void crossEntropyIsTheMeanOverLabelledRows() {
        Tensor zeros = Tensor.zeros(3, 4);
        Var loss = Ops.crossEntropy(Var.constant(zeros), new int[] {1, -1, 3});
        assertThat(loss.value().data()[0]).isCloseTo((float) Math.log(4), within(1e-6f));
        Var none = Ops.crossEntropy(Var.constant(zeros), new int[] {-1, -1, -1});
        assertThat(none.value().data()[0]).isEqualTo(0f);
    }
}
