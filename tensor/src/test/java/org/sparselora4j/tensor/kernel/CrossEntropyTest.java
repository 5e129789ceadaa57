package org.sparselora4j.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

class CrossEntropyTest {
    static java.util.stream.IntStream sizes() {
        return KernelFixtures.sizes();
    }

    private static int[] targets(SplittableRandom random, int rows, int vocab) {
        int[] t = new int[rows];
        for (int i = 0; i < rows; i++) t[i] = random.nextInt(vocab);
        t[rows / 2] = -100; // ignored
        return t;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void simdMatchesScalar(int vocab) {
        SplittableRandom random = new SplittableRandom(vocab);
        int rows = 5;
        Tensor logits = Tensor.view(KernelFixtures.uniform(random, rows * vocab + 3, 6f), 3, Shape.of(rows, vocab));
        int[] targets = targets(random, rows, vocab);
        Tensor grad = Tensor.view(KernelFixtures.uniform(random, rows * vocab + 1, 1f), 1, Shape.of(rows, vocab));
        Tensor gradRef = Tensor.zeros(rows, vocab);
        double loss = CrossEntropy.lossAndGrad(logits, targets, grad, 0.25f);
        double lossRef = CrossEntropy.lossAndGradScalar(logits, targets, gradRef, 0.25f);
        assertThat(loss).isCloseTo(lossRef, within(Math.abs(lossRef) * 1e-6 + 1e-6));
        assertThat(CrossEntropy.lossSum(logits, targets)).isCloseTo(loss, within(Math.abs(loss) * 1e-6 + 1e-6)); // a second pass over the logits
        KernelFixtures.assertClose(grad.toArray(), gradRef.toArray(), 1e-5, 1e-8);
    }

    @Test
    void manyWideRowsAreSplitOverThreadsAndStillMatch() {
        SplittableRandom random = new SplittableRandom(11);
        int rows = 40, vocab = 3001;
        Tensor logits = Tensor.randn(random, 3f, rows, vocab);
        int[] targets = targets(random, rows, vocab);
        Tensor grad = Tensor.zeros(rows, vocab), gradRef = Tensor.zeros(rows, vocab);
        double loss = CrossEntropy.lossAndGrad(logits, targets, grad, 1f / rows);
        double lossRef = CrossEntropy.lossAndGradScalar(logits, targets, gradRef, 1f / rows);
        assertThat(loss).isCloseTo(lossRef, within(Math.abs(lossRef) * 1e-6));
        KernelFixtures.assertClose(grad.toArray(), gradRef.toArray(), 1e-5, 1e-9);
    }

    @Test
    void gradientIsAFiniteDifferenceOfTheLoss() {
        SplittableRandom random = new SplittableRandom(5);
        int rows = 3, vocab = 7;
        Tensor logits = Tensor.randn(random, 2f, rows, vocab);
        int[] targets = {2, -1, 6};
        Tensor grad = Tensor.zeros(rows, vocab);
        CrossEntropy.lossAndGrad(logits, targets, grad, 1f);
        KernelFixtures.checkGradient(logits.data(), 0, rows * vocab, () -> CrossEntropy.lossSum(logits, targets),
                grad.toArray(), 1e-2f, 1e-3);
    }

    @Test
    void gradientMayOverwriteTheLogits() {
        SplittableRandom random = new SplittableRandom(9);
        Tensor logits = Tensor.randn(random, 2f, 4, 3001);
        int[] targets = targets(random, 4, 3001);
        Tensor grad = Tensor.zeros(4, 3001);
        double loss = CrossEntropy.lossAndGrad(logits, targets, grad, 0.5f);
        // In place or not, the same numbers to float rounding (the second call may run JIT-compiled lanes in another order).
        assertThat(CrossEntropy.lossAndGrad(logits, targets, logits, 0.5f)).isCloseTo(loss, within(Math.abs(loss) * 1e-6 + 1e-6));
        assertThat(logits.toArray()).containsExactly(grad.toArray(), within(1e-7f));
    }

    @Test
    void ignoredRowsGetZeroGradientAndNoLoss() {
        SplittableRandom random = new SplittableRandom(6);
        Tensor logits = Tensor.randn(random, 2f, 2, 40);
        Tensor grad = Tensor.zeros(2, 40).fill(9f);
        double loss = CrossEntropy.lossAndGrad(logits, new int[] {-1, -100}, grad, 1f);
        assertThat(loss).isZero();
        assertThat(grad.toArray()).containsOnly(0f);
    }

    @Test
    void uniformLogitsGiveLogVocab() {
        Tensor logits = Tensor.zeros(1, 32000);
        assertThat(CrossEntropy.lossSum(logits, new int[] {123})).isCloseTo(Math.log(32000), within(1e-6));
    }

    @Test
    void targetOutsideVocabularyNamesTheRow() {
        Tensor logits = Tensor.zeros(3, 10);
        assertThatThrownBy(() -> CrossEntropy.lossSum(logits, new int[] {0, 1, 10}))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("row 2").hasMessageContaining("10");
    }

    @Test
    void mismatchedShapesAreNamed() {
        Tensor logits = Tensor.zeros(3, 10);
        assertThatThrownBy(() -> CrossEntropy.lossSum(logits, new int[] {0, 1}))
                .hasMessageContaining("targets 2 != 3").hasMessageContaining("[3, 10]");
        assertThatThrownBy(() -> CrossEntropy.lossAndGrad(logits, new int[] {0, 1, 2}, Tensor.zeros(3, 9), 1f))
                .hasMessageContaining("[3, 10]").hasMessageContaining("[3, 9]");
    }
}
