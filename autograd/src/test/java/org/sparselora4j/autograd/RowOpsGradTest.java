package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RowOpsGradTest {
    private final SplittableRandom random = new SplittableRandom(11);

    @Test
    void takeRowsWithRepeats() {
        Var x = param(random, 4, 3);
        GradCheck.assertGradients(() -> RowOps.takeRows(x, new int[] {3, 0, 3}), x);
    }

    @Test
    void scatterRows() {
        Var x = param(random, 2, 3);
        GradCheck.assertGradients(() -> RowOps.scatterRows(x, new int[] {3, 1}, 5), x);
    }

    @Test
    void splitThenJoinIsIdentity() {
        Var x = param(random, 5, 3);
        int[] sparse = {0, 2, 3}, dense = {1, 4};
        Var joined = RowOps.joinRows(new Var[] {RowOps.takeRows(x, sparse), RowOps.takeRows(x, dense)}, new int[][] {sparse, dense}, 5);
        assertThat(joined.value().toArray()).containsExactly(x.value().toArray());
        GradCheck.assertGradients(() -> RowOps.joinRows(
                new Var[] {Ops.scale(RowOps.takeRows(x, sparse), 2f), RowOps.takeRows(x, dense)}, new int[][] {sparse, dense}, 5), x);
    }

    @Test
    void concatAndSlice() {
        Var a = param(random, 2, 3), b = param(random, 3, 3);
        GradCheck.assertGradients(() -> RowOps.concatRows(a, b), a, b);
        GradCheck.assertGradients(() -> RowOps.sliceRows(b, 1, 3), b);
        Var c = RowOps.concatRows(a, b);
        assertThat(RowOps.sliceRows(c, 2, 5).value().toArray()).containsExactly(b.value().toArray());
    }
}
