package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

class RopeTest {
    private static final int HEADS = 3;
    private static final int MAX_POSITIONS = 64;

    /** Half head sizes that hit the SIMD tail; the head size is twice each. */
    static java.util.stream.IntStream halves() {
        return KernelFixtures.sizes().filter(h -> h < 500);
    }

    private static Tensor input(SplittableRandom random, int rows, int headSize) {
        int width = HEADS * headSize;
        return Tensor.view(KernelFixtures.uniform(random, rows * width + 1, 1f), 1, Shape.of(rows, width));
    }

    private static int[] positions(SplittableRandom random, int rows) {
        int[] p = new int[rows];
        for (int r = 0; r < rows; r++) p[r] = random.nextInt(MAX_POSITIONS);
        return p;
    }

    @ParameterizedTest
    @MethodSource("halves")
    void simdMatchesScalar(int half) {
        SplittableRandom random = new SplittableRandom(half);
        for (Rope.Style style : Rope.Style.values()) {
            Rope rope = new Rope(2 * half, MAX_POSITIONS, 10000.0, style);
            Tensor x = input(random, 5, 2 * half);
            Tensor ref = x.copy();
            int[] pos = positions(random, 5);
            for (boolean inverse : new boolean[] {false, true}) {
                rope.rotate(x, pos, inverse);
                rope.rotateScalar(ref, pos, inverse);
                assertThat(x.toArray()).containsExactly(ref.toArray()); // same operations, same order
            }
        }
    }

    @ParameterizedTest
    @MethodSource("halves")
    void inverseUndoesRotate(int half) {
        SplittableRandom random = new SplittableRandom(half + 1);
        for (Rope.Style style : Rope.Style.values()) {
            Rope rope = new Rope(2 * half, MAX_POSITIONS, 10000.0, style);
            Tensor x = input(random, 4, 2 * half);
            float[] before = x.toArray();
            int[] pos = positions(random, 4);
            rope.rotate(x, pos, false);
            rope.rotate(x, pos, true);
            assertThat(x.toArray()).usingComparatorWithPrecision(1e-6f).containsExactly(before);
        }
    }

    @Test
    void positionZeroIsTheIdentity() {
        for (Rope.Style style : Rope.Style.values()) {
            Rope rope = new Rope(2 * KernelFixtures.LANES + 2, 4, 10000.0, style);
            Tensor x = input(new SplittableRandom(8), 2, rope.headSize());
            float[] before = x.toArray();
            rope.rotate(x, new int[] {0, 0}, false);
            assertThat(x.toArray()).containsExactly(before);
        }
    }

    @ParameterizedTest
    @MethodSource("halves")
    void halfSplitIsInterleavedAfterThePairPermutation(int half) {
        int headSize = 2 * half;
        Rope interleaved = new Rope(headSize, MAX_POSITIONS, 10000.0, Rope.Style.INTERLEAVED);
        Rope halfSplit = new Rope(headSize, MAX_POSITIONS, 10000.0, Rope.Style.HALF_SPLIT);
        SplittableRandom random = new SplittableRandom(half + 2);
        Tensor x = input(random, 3, headSize);
        int[] pos = positions(random, 3);
        Tensor permuted = permute(x, headSize); // element 2i → i, 2i+1 → i + half, in every head
        interleaved.rotate(x, pos, false);
        halfSplit.rotate(permuted, pos, false);
        assertThat(permuted.toArray()).containsExactly(permute(x, headSize).toArray());
    }

    private static Tensor permute(Tensor x, int headSize) {
        int half = headSize / 2;
        Tensor out = Tensor.zeros(x.rows(), x.cols());
        for (int r = 0; r < x.rows(); r++) {
            for (int h = 0; h < x.cols(); h += headSize) {
                for (int i = 0; i < half; i++) {
                    out.set(x.get(r, h + 2 * i), r, h + i);
                    out.set(x.get(r, h + 2 * i + 1), r, h + i + half);
                }
            }
        }
        return out;
    }

    @Test
    void badShapesAndPositionsAreNamed() {
        Rope rope = new Rope(8, 4, 10000.0, Rope.Style.HALF_SPLIT);
        assertThatThrownBy(() -> rope.rotate(Tensor.zeros(2, 12), new int[] {0, 1}, false))
                .hasMessageContaining("12").hasMessageContaining("head size 8");
        assertThatThrownBy(() -> rope.rotate(Tensor.zeros(2, 16), new int[] {0}, false))
                .hasMessageContaining("positions 1 != 2").hasMessageContaining("[2, 16]");
        assertThatThrownBy(() -> rope.rotate(Tensor.zeros(2, 16), new int[] {0, 4}, false))
                .hasMessageContaining("position 4");
    }
}
