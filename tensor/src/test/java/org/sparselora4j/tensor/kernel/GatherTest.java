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

    /** Moves large enough to split their rows over two threads give what a row-by-row move gives. */
    @Test
    void largeMovesSplitOverThreadsMoveEveryRow() {
        int n = 300, w = 97;
        Tensor big = Tensor.randn(new java.util.SplittableRandom(3), 1f, n + 1, w).rows(1, n + 1);
        Index cols = Index.sorted(0, 5, 6, 40, 41, 42, 60, 61, 62, 63, 70, 80, 90, 91, 92, 93, 94, 95, 96, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13);
        Tensor[] got = new Tensor[2];
        new org.sparselora4j.tensor.Parallel(2).run(() -> {
            got[0] = Gather.columns(big, cols);
            got[1] = Tensor.zeros(n, w).fill(1f);
            Gather.scatterAddColumns(got[0], cols, got[1]);
        });
        assertThat((long) n * cols.size()).isGreaterThanOrEqualTo(Gather.PARALLEL_MIN);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols.size(); c++) assertThat(got[0].get(i, c)).isEqualTo(big.get(i, cols.get(c)));
            for (int j = 0; j < w; j++) {
                boolean kept = false;
                for (int c = 0; c < cols.size(); c++) kept |= cols.get(c) == j;
                assertThat(got[1].get(i, j)).isEqualTo(kept ? 1f + big.get(i, j) : 1f);
            }
        }
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
