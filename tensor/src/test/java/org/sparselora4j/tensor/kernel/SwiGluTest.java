package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

class SwiGluTest {
    /** The tail sizes, and one large enough to be split over threads. */
    static IntStream sizes() {
        return IntStream.concat(KernelFixtures.sizes(), IntStream.of(100_003));
    }

    private static Tensor view(SplittableRandom random, int n, float bound) {
        return Tensor.view(KernelFixtures.uniform(random, n + 3, bound), 3, Shape.of(n));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalar(int n) {
        SplittableRandom random = new SplittableRandom(n);
        Tensor gate = view(random, n, 12f), up = view(random, n, 2f), dy = view(random, n, 1f);
        Tensor out = view(random, n, 1f), outRef = Tensor.zeros(n);
        SwiGlu.forward(gate, up, out);
        SwiGlu.forwardScalar(gate, up, outRef);
        KernelFixtures.assertClose(out.toArray(), outRef.toArray(), 1e-6, 1e-7);

        Tensor dgate = view(random, n, 1f), dup = view(random, n, 1f);
        Tensor dgateRef = Tensor.zeros(n), dupRef = Tensor.zeros(n);
        SwiGlu.backward(gate, up, dy, dgate, dup);
        SwiGlu.backwardScalar(gate, up, dy, dgateRef, dupRef);
        KernelFixtures.assertClose(dgate.toArray(), dgateRef.toArray(), 1e-6, 1e-7);
        KernelFixtures.assertClose(dup.toArray(), dupRef.toArray(), 1e-6, 1e-7);
    }

    @Test
    void saturatesWithoutNan() {
        Tensor gate = Tensor.of(new float[] {-200f, 200f, -90f, 0f}, 4);
        Tensor up = Tensor.of(new float[] {1f, 1f, 1f, 1f}, 4);
        Tensor out = Tensor.zeros(4);
        SwiGlu.forward(gate, up, out);
        assertThat(out.toArray()).containsExactly(-0f, 200f, -0f, 0f);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(4);
        int n = 12;
        Tensor gate = Tensor.randn(random, 2f, n), up = Tensor.randn(random, 1f, n), r = Tensor.randn(random, 1f, n);
        Tensor dgate = Tensor.zeros(n), dup = Tensor.zeros(n);
        SwiGlu.backward(gate, up, r, dgate, dup);
        java.util.function.DoubleSupplier loss = () -> {
            Tensor y = Tensor.zeros(n);
            SwiGlu.forward(gate, up, y);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double) y.data()[i] * r.data()[i];
            return sum;
        };
        KernelFixtures.checkGradient(gate.data(), 0, n, loss, dgate.toArray(), 1e-2f, 1e-3);
        KernelFixtures.checkGradient(up.data(), 0, n, loss, dup.toArray(), 1e-2f, 1e-3);
    }

    @Test
    void mismatchedShapesAreNamed() {
        assertThatThrownBy(() -> SwiGlu.forward(Tensor.zeros(2, 3), Tensor.zeros(3, 3), Tensor.zeros(2, 3)))
                .hasMessageContaining("[2, 3]").hasMessageContaining("[3, 3]");
    }
}
