package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

class LinearOpsGradTest {
    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void linear() {
        Var x = param(random, 3, 4), w = param(random, 5, 4);
        GradCheck.assertGradients(() -> LinearOps.linear(x, w), x, w);
    }

    @Test
    void linearOnThreeAxes() {
        Var x = param(random, 2, 3, 4), w = param(random, 5, 4);
        GradCheck.assertGradients(() -> LinearOps.linear(x, w), x, w);
    }

    @Test
    void linearWithFrozenWeight() {
        Var x = param(random, 3, 4), w = constant(random, 5, 4);
        GradCheck.assertGradients(() -> LinearOps.linear(x, w), x, w);
        assertThat(w.grad()).isNull();
    }

    @Test
    void matmul() {
        Var a = param(random, 3, 4), b = param(random, 4, 2);
        GradCheck.assertGradients(() -> LinearOps.matmul(a, b), a, b);
    }

    @Test
    void matmulTransposedA() {
        Var a = param(random, 4, 3), b = param(random, 4, 2);
        GradCheck.assertGradients(() -> LinearOps.matmulTransposedA(a, b), a, b);
    }

    @Test
    void linearRows() {
        Var x = param(random, 3, 4), w = param(random, 6, 4);
        Index rows = Index.of(0, 2, 5);
        GradCheck.assertGradients(() -> LinearOps.linearRows(x, w, rows), x, w);
        // Rows of w that were not chosen get exactly zero gradient.
        assertThat(w.grad().row(1).toArray()).containsOnly(0f);
    }

    @Test
    void linearRowsEqualsDenseThenGather() {
        Var x = param(random, 3, 4), w = param(random, 6, 4);
        Index rows = Index.of(1, 3, 4);
        Tensor sparse = LinearOps.linearRows(x, w, rows).value();
        Tensor dense = LinearOps.gatherColumns(LinearOps.linear(x, w), rows).value();
        assertThat(sparse.toArray()).containsExactly(dense.toArray());
    }

    @Test
    void linearRowsWithFrozenWeight() {
        Var x = param(random, 3, 4), w = constant(random, 6, 4);
        GradCheck.assertGradients(() -> LinearOps.linearRows(x, w, Index.of(1, 4)), x, w);
        assertThat(w.grad()).isNull();
    }

    @Test
    void linearColsFullWidthInput() {
        Var x = param(random, 3, 6), w = param(random, 4, 6);
        Index cols = Index.of(0, 3, 4);
        GradCheck.assertGradients(() -> LinearOps.linearCols(x, w, cols, false), x, w);
        assertThat(x.grad().get(0, 1)).isZero();
        assertThat(w.grad().get(2, 5)).isZero();
    }

    @Test
    void linearColsCompactInput() {
        Var xk = param(random, 3, 3), w = param(random, 4, 6);
        Index cols = Index.of(1, 2, 5);
        GradCheck.assertGradients(() -> LinearOps.linearCols(xk, w, cols, true), xk, w);
    }

    @Test
    void linearColsWithFrozenWeight() {
        Var x = param(random, 3, 6), w = constant(random, 4, 6);
        GradCheck.assertGradients(() -> LinearOps.linearCols(x, w, Index.of(2, 3), false), x, w);
        assertThat(w.grad()).isNull();
    }

    @Test
    void gatherAndScatterColumns() {
        Var x = param(random, 3, 5), xk = param(random, 3, 2);
        Index cols = Index.of(1, 4);
        GradCheck.assertGradients(() -> LinearOps.gatherColumns(x, cols), x);
        GradCheck.assertGradients(() -> LinearOps.scatterColumns(xk, cols, 5), xk);
    }

    @Test
    void emptyAndFullIndexSets() {
        Var x = param(random, 3, 4), w = param(random, 5, 4);
        GradCheck.assertGradients(() -> LinearOps.linearRows(x, w, Index.all(5)), x, w);
        GradCheck.assertGradients(() -> LinearOps.linearCols(x, w, Index.all(4), false), x, w);
        Var y = LinearOps.linearCols(x, w, Index.of(), false);
        assertThat(y.value().toArray()).containsOnly(0f);
    }
}
