package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.Dropout;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MaskedLoraLinearTest {
    private static final SplittableRandom RANDOM = new SplittableRandom(21);

    /** A (5, 6) weight with about 40% exact zeros. */
    private static Tensor prunedWeight() {
        Tensor w = Tensor.randn(RANDOM, 1f, 5, 6);
        Wanda.prune(w, new double[] {1, 2, 3, 4, 5, 6}, 0.4, PrunePattern.unstructured());
        return w;
    }

    private static MaskedLoraLinear layer(Tensor w, Var a, Var b, int rank) {
        return new MaskedLoraLinear(w, a, b, rank, 0.75f, new Dropout(0f, 1));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor w = prunedWeight();
        Var x = Var.parameter(Tensor.randn(RANDOM, 1f, 3, 6));
        Var a = Var.parameter(Tensor.randn(RANDOM, 1f, 4, 6));
        Var b = Var.parameter(Tensor.randn(RANDOM, 1f, 5, 4));
        for (int rank : new int[] {2, 4}) {
            MaskedLoraLinear l = layer(w, a, b, rank);
            GradCheck.assertGradients(() -> l.forward(x), x, a, b);
        }
    }

    @Test
    void theForwardIsBaseplusScaledMaskedProductAndRowsBeyondTheRankGetNoGradient() {
        Tensor w = prunedWeight();
        Var x = Var.constant(Tensor.randn(RANDOM, 1f, 3, 6));
        Var a = Var.parameter(Tensor.randn(RANDOM, 1f, 4, 6));
        Var b = Var.parameter(Tensor.randn(RANDOM, 1f, 5, 4));
        MaskedLoraLinear l = layer(w, a, b, 2);
        Var y = l.forward(x);
        // Reference: y = x·Wᵀ + 0.75 · x·(M ⊙ B[:, :2]·A[:2])ᵀ, written out with plain loops.
        Tensor delta = Tensor.zeros(5, 6);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 6; j++) {
                float p = 0;
                for (int k = 0; k < 2; k++) p += b.value().get(i, k) * a.value().get(k, j);
                delta.set(w.get(i, j) != 0f ? 0.75f * p : 0f, i, j);
            }
        }
        Tensor expected = MatMul.abT(x.value(), w);
        Elementwise.add(expected, MatMul.abT(x.value(), delta), expected);
        assertThat(y.value().toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(expected.toArray());
        assertThat(l.delta().toArray()).usingComparatorWithPrecision(1e-6f).containsExactly(delta.toArray());

        Tape.backward(Ops.sum(y));
        for (int j = 0; j < 6; j++) for (int k = 2; k < 4; k++) assertThat(a.grad().get(k, j)).isZero();
        for (int i = 0; i < 5; i++) for (int k = 2; k < 4; k++) assertThat(b.grad().get(i, k)).isZero();
        assertThat(Sparsity.zeros(a.grad().rows(0, 2))).isLessThan(12);
    }

    @Test
    void theUpdateIsZeroWherePrunedAndAFreshAdapterChangesNothing() {
        Tensor w = prunedWeight();
        Var a = Var.parameter(Tensor.randn(RANDOM, 1f, 4, 6));
        Var b = Var.parameter(Tensor.zeros(5, 4));
        Var x = Var.constant(Tensor.randn(RANDOM, 1f, 3, 6));
        assertThat(layer(w, a, b, 4).forward(x).value().toArray()).containsExactly(MatMul.abT(x.value(), w).toArray(), within(1e-6f));
        b.value().copyFrom(Tensor.randn(RANDOM, 1f, 5, 4));
        Tensor d = layer(w, a, b, 3).delta();
        for (int i = 0; i < 30; i++) {
            if (w.data()[i] == 0f) assertThat(d.data()[i]).isZero();
            else assertThat(d.data()[i]).isNotZero();
        }
    }

    @Test
    void theMaskIsTheNonZerosOfTheWeight() {
        Tensor w = Tensor.of(new float[] {0f, -0f, 1e-30f, -2f}, 2, 2);
        assertThat(MaskedLoraLinear.maskOf(w).toArray()).containsExactly(0f, 0f, 1f, 1f);
    }

    @Test
    void deltaHelperMatchesTheGraph() {
        Tensor w = prunedWeight();
        Var a = Var.parameter(Tensor.randn(RANDOM, 1f, 4, 6));
        Var b = Var.parameter(Tensor.randn(RANDOM, 1f, 5, 4));
        Tensor d = MaskedLoraLinear.delta(a.value(), b.value(), 3, 0.75f, MaskedLoraLinear.maskOf(w));
        Var x = Var.constant(Tensor.zeros(6, 6));
        for (int i = 0; i < 6; i++) x.value().set(1f, i, i);  // the identity: y = W + Δ, transposed
        Tensor y = Tape.noGrad(() -> layer(w, a, b, 3).forward(x)).value();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 6; j++) assertThat(y.get(j, i)).isCloseTo(w.get(i, j) + d.get(i, j), within(1e-6f));
        }
    }
}
