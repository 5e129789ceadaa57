package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RopePermutationTest {
    @Test
    void movesEvenRowsToTheFirstHalfOfEachHead() {
        // 2 heads of size 4, one column holding the row index.
        Tensor w = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 8, 1);
        assertThat(RopePermutation.toHalfSplit(w, 2).toArray()).containsExactly(0, 2, 1, 3, 4, 6, 5, 7);
        assertThat(RopePermutation.toInterleaved(w, 2).toArray()).containsExactly(0, 2, 1, 3, 4, 6, 5, 7);
        Tensor six = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 6);
        assertThat(RopePermutation.toHalfSplit(six, 1).toArray()).containsExactly(0, 2, 4, 1, 3, 5);
        assertThat(RopePermutation.toInterleaved(six, 1).toArray()).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void inverseRoundTripsAnyWidth() {
        Tensor w = Tensor.randn(new SplittableRandom(7), 1f, 24, 5); // 3 heads of 8, LoRA-B-like rank 5
        Tensor back = RopePermutation.toInterleaved(RopePermutation.toHalfSplit(w, 3), 3);
        assertThat(back.toArray()).containsExactly(w.toArray());
        Tensor view = w.rows(8, 16);
        assertThat(RopePermutation.toHalfSplit(view, 1).toArray())
                .containsExactly(RopePermutation.toHalfSplit(view.copy(), 1).toArray());
    }

    @Test
    void rejectsRowsThatDoNotSplitIntoEvenHeads() {
        assertThatThrownBy(() -> RopePermutation.toHalfSplit(Tensor.zeros(6, 2), 2)).hasMessageContaining("even size");
    }
}
