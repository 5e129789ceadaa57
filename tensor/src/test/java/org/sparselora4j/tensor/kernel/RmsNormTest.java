package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

class RmsNormTest {
    private static final float EPS = 1e-5f;

    static java.util.stream.IntStream sizes() {
        return KernelFixtures.sizes();
    }

    private static Tensor view(SplittableRandom random, int rows, int d) {
        return Tensor.view(KernelFixtures.uniform(random, rows * d + 2, 2f), 2, Shape.of(rows, d));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalar(int d) {
        check(d, 3);
    }

    @Test
    void manyRowsAreSplitOverThreadsAndStillMatch() {
        check(1000, 70);
        check(70, 1000);
    }

    private static void check(int d, int rows) {
        SplittableRandom random = new SplittableRandom(d * 31L + rows);
        Tensor x = view(random, rows, d), w = view(random, 1, d), dy = view(random, rows, d);
        Tensor out = Tensor.zeros(rows, d), outRef = Tensor.zeros(rows, d);
        float[] inv = RmsNorm.forward(x, w, EPS, out);
        float[] invRef = RmsNorm.forwardScalar(x, w, EPS, outRef);
        assertThat(inv).usingComparatorWithPrecision(1e-6f * invRef[0]).containsExactly(invRef);
        KernelFixtures.assertClose(out.toArray(), outRef.toArray(), 1e-5, 1e-6);

        for (boolean accumulate : new boolean[] {false, true}) {
            Tensor dx = view(random, rows, d);
            Tensor dxRef = dx.copy();
            RmsNorm.backwardInput(dy, x, w, invRef, dx, accumulate);
            RmsNorm.backwardInputScalar(dy, x, w, invRef, dxRef, accumulate);
            KernelFixtures.assertClose(dx.toArray(), dxRef.toArray(), 1e-5, 1e-5);
        }

        Tensor dw = view(random, 1, d);
        Tensor dwRef = dw.copy();
        RmsNorm.backwardWeight(dy, x, invRef, dw);
        RmsNorm.backwardWeightScalar(dy, x, invRef, dwRef);
        assertThat(dw.toArray()).containsExactly(dwRef.toArray()); // same operations in the same order
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(2);
        int rows = 3, d = 4;
        Tensor x = Tensor.randn(random, 1f, rows, d);
        Tensor w = Tensor.randn(random, 1f, d);
        Tensor r = Tensor.randn(random, 1f, rows, d); // loss = Σ rmsnorm(x, w) ⊙ r, so dy = r
        float[] inv = RmsNorm.forward(x, w, EPS, Tensor.zeros(rows, d));
        Tensor dx = Tensor.zeros(rows, d), dw = Tensor.zeros(d);
        RmsNorm.backwardInput(r, x, w, inv, dx, false);
        RmsNorm.backwardWeight(r, x, inv, dw);
        java.util.function.DoubleSupplier loss = () -> {
            Tensor y = Tensor.zeros(rows, d);
            RmsNorm.forward(x, w, EPS, y);
            double sum = 0;
            for (int i = 0; i < rows * d; i++) sum += (double) y.data()[i] * r.data()[i];
            return sum;
        };
        KernelFixtures.checkGradient(x.data(), 0, rows * d, loss, dx.toArray(), 1e-2f, 1e-3);
        KernelFixtures.checkGradient(w.data(), 0, d, loss, dw.toArray(), 1e-2f, 1e-3);
    }

    @Test
    void mismatchedShapesAreNamed() {
        Tensor x = Tensor.zeros(2, 8);
        assertThatThrownBy(() -> RmsNorm.forward(x, Tensor.zeros(7), EPS, Tensor.zeros(2, 8)))
                .hasMessageContaining("[2, 8]").hasMessageContaining("[7]");
        assertThatThrownBy(() -> RmsNorm.backwardWeight(Tensor.zeros(2, 8), x, new float[2], Tensor.zeros(9)))
                .hasMessageContaining("[2, 8]").hasMessageContaining("[9]");
    }
}
