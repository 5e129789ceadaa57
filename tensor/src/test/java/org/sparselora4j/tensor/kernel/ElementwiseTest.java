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

class ElementwiseTest {
    /** The tail sizes, and one large enough to be split over threads. */
    static IntStream sizes() {
        return IntStream.concat(KernelFixtures.sizes(), IntStream.of(Elementwise.PARALLEL_MIN + 3));
    }

    /** A view of n random elements at offset 3 of a longer array. */
    private static Tensor view(SplittableRandom random, int n) {
        return Tensor.view(KernelFixtures.uniform(random, n + 5, 2f), 3, Shape.of(n));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalarBitForBit(int n) {
        SplittableRandom random = new SplittableRandom(n);
        Tensor a = view(random, n), b = view(random, n);
        Tensor out = view(random, n), ref = view(random, n);

        Elementwise.add(a, b, out);
        Elementwise.addScalar(a, b, ref);
        assertThat(out.toArray()).containsExactly(ref.toArray());

        Elementwise.mul(a, b, out);
        Elementwise.mulScalar(a, b, ref);
        assertThat(out.toArray()).containsExactly(ref.toArray());

        Elementwise.scale(a, -1.5f, out);
        Elementwise.scaleScalar(a, -1.5f, ref);
        assertThat(out.toArray()).containsExactly(ref.toArray());

        Elementwise.axpy(0.25f, a, out);
        Elementwise.axpyScalar(0.25f, a, ref);
        assertThat(out.toArray()).containsExactly(ref.toArray());
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void fillAndCopyWriteEveryElementOfTheViewOnly(int n) {
        SplittableRandom random = new SplittableRandom(n + 7);
        float[] backing = KernelFixtures.uniform(random, n + 8, 2f);
        float[] before = backing.clone();
        Tensor out = Tensor.view(backing, 4, Shape.of(n));
        Tensor src = view(random, n);

        Elementwise.fill(out, -2.5f);
        for (int i = 0; i < n; i++) assertThat(backing[4 + i]).isEqualTo(-2.5f);

        Elementwise.copy(src, out);
        assertThat(out.toArray()).containsExactly(src.toArray());
        for (int i : new int[] {0, 1, 2, 3, n + 4, n + 5, n + 6, n + 7}) assertThat(backing[i]).isEqualTo(before[i]);
    }

    @Test
    void copyRejectsAnotherSize() {
        assertThatThrownBy(() -> Elementwise.copy(Tensor.zeros(3), Tensor.zeros(4))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void touchesOnlyTheView() {
        float[] backing = new float[20];
        Tensor a = Tensor.view(backing, 4, Shape.of(2, 5));
        a.fill(1f);
        Elementwise.scale(a, 3f, a);
        assertThat(backing[3]).isZero();
        assertThat(backing[4]).isEqualTo(3f);
        assertThat(backing[13]).isEqualTo(3f);
        assertThat(backing[14]).isZero();
    }

    @Test
    void outputMayBeAnInput() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        Elementwise.add(a, b, a);
        assertThat(a.toArray()).containsExactly(11f, 22f, 33f);
    }

    @Test
    void sizeMismatchNamesTheShapes() {
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(3, 3);
        assertThatThrownBy(() -> Elementwise.add(a, b, a)).hasMessageContaining("[2, 3]").hasMessageContaining("[3, 3]");
        assertThatThrownBy(() -> Elementwise.axpy(1f, a, b)).hasMessageContaining("[2, 3]").hasMessageContaining("[3, 3]");
    }
}
