package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatherTest {
    private final Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);

    @Test
    void columnsPicksTheChosenColumnsInOrder() {
        assertThat(Gather.columns(x, Index.of(0, 2, 3)).toArray()).containsExactly(1, 3, 4, 5, 7, 8);
        assertThat(Gather.columns(x, Index.of()).shape().dims()).containsExactly(2, 0);
    }

    @Test
    void columnsOfAViewReadsFromItsOffset() {
        Tensor big = Tensor.of(new float[] {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 4);
        assertThat(Gather.columns(big.rows(1, 3), Index.of(1)).toArray()).containsExactly(2, 6);
    }

    @Test
    void scatterColumnsIsTheInverseOfColumns() {
        Index cols = Index.of(1, 3);
        Tensor scattered = Gather.scatterColumns(Gather.columns(x, cols), cols, 4);
        assertThat(scattered.toArray()).containsExactly(0, 2, 0, 4, 0, 6, 0, 8);
        assertThat(Gather.keepColumns(x, cols).toArray()).containsExactly(scattered.toArray());
    }

    @Test
    void scatterAddColumnsAdds() {
        Tensor out = Tensor.zeros(2, 4).fill(1f);
        Gather.scatterAddColumns(Tensor.of(new float[] {10, 20}, 2, 1), Index.of(2), out);
        assertThat(out.toArray()).containsExactly(1, 1, 11, 1, 1, 1, 21, 1);
    }

    @Test
    void badIndicesAndShapesAreNamed() {
        assertThatThrownBy(() -> Gather.columns(x, Index.of(4)))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 4").hasMessageContaining("[2, 4]");
        assertThatThrownBy(() -> Gather.scatterAddColumns(Tensor.zeros(2, 3), Index.of(0, 1), Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("compact width 3 != 2");
    }
}
