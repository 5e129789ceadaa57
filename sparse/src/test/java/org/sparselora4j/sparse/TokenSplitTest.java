package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TokenSplitTest {
    @Test
    void theDenseBlockSpansEveryRowsLabelledPositions() {
        // row 0: labels on [3, 5); row 1 (length 4): labels on [1, 3); row 2: none
        TokenBatch b = Fixtures.batch(6, new int[] {6, 4, 6}, new int[] {3, 1, 6}, 40);
        TokenSplit s = TokenSplit.of(b);
        assertThat(s.left()).isEqualTo(1);
        assertThat(s.right()).isEqualTo(5);
        assertThat(s.dense()).containsExactly(1, 2, 3, 4, 7, 8, 9, 10, 13, 14, 15, 16);
        assertThat(s.sparse()).containsExactly(0, 5, 6, 11, 12, 17);
        assertThat(s.sparseFirst()).isEqualTo(-1);
    }

    @Test
    void aBatchWithoutLabelsIsAllSparse() {
        TokenBatch b = Fixtures.batch(4, new int[] {4}, new int[] {4}, 40);
        TokenSplit s = TokenSplit.of(b);
        assertThat(s.dense()).isEmpty();
        assertThat(s.sparse()).containsExactly(0, 1, 2, 3);
        assertThat(s.sparseFirst()).isEqualTo(4);
    }

    @Test
    void oneSequenceLabelledAtTheEndIsSparseFirst() {
        TokenSplit s = TokenSplit.of(new TokenBatch(1, 5, new int[] {1, 2, 3, 4, 5}, new int[] {-1, -1, -1, 7, 8}, new int[] {5}));
        assertThat(s.sparseFirst()).isEqualTo(3);
        TokenSplit middle = TokenSplit.of(new TokenBatch(1, 5, new int[] {1, 2, 3, 4, 5}, new int[] {-1, -1, 7, -1, -1}, new int[] {5}));
        assertThat(middle.sparseFirst()).isEqualTo(-1);
    }

    @Test
    void splitThenJoinIsTheIdentityWithItsGradient() {
        TokenBatch b = Fixtures.batch(5, new int[] {5, 5}, new int[] {2, 3}, 40);
        TokenSplit s = TokenSplit.of(b);
        Var x = Var.parameter(Tensor.randn(new SplittableRandom(1), 1f, b.rows(), 3));
        Var y = s.join(Ops.scale(s.sparseRows(x), 2f), Ops.scale(s.denseRows(x), 3f));
        for (int r = 0; r < b.rows(); r++) {
            float f = r % 5 >= 2 && r % 5 < 4 ? 3f : 2f;
            for (int j = 0; j < 3; j++) assertThat(y.value().get(r, j)).isEqualTo(f * x.value().get(r, j));
        }
        GradCheck.assertGradients(() -> s.join(Ops.mul(s.sparseRows(x), s.sparseRows(x)), s.denseRows(x)), x);
    }
}
