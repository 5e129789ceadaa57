package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Backend;
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
    void linearPlusLowRankGradients() {
        Var x = param(random, 3, 4), w = constant(random, 5, 4), u = param(random, 3, 2), b = param(random, 5, 2);
        GradCheck.assertGradients(() -> LinearOps.linearPlusLowRank(x, w, Backend.cpu(), u, b), x, u, b);
        assertThat(w.grad()).isNull();
    }

    @Test
    void lowRankDownGradients() {
        Var x = param(random, 5, 7), a = param(random, 3, 7);
        GradCheck.assertGradients(() -> LinearOps.lowRankDown(x, a, 0.5f), x, a);
    }

    /** A whole LoRA layer at rank 8 over widths past the vector length: the rank-r kernels' vector paths and tails. */
    @Test
    void loraLayerAtRankEightGradients() {
        Var x = param(random, 6, 40), w = constant(random, 37, 40), a = param(random, 8, 40), b = param(random, 37, 8);
        GradCheck.assertGradients(() -> LinearOps.linearPlusLowRank(x, w, Backend.cpu(), LinearOps.lowRankDown(x, a, 2f), b), x, a, b);
        Index cols = new Index(new int[] {0, 5, 36});
        Var compact = param(random, 6, 3);
        GradCheck.assertGradients(() -> LinearOps.scatterPlusLowRank(compact, cols, 37, LinearOps.lowRankDown(x, a, 2f), b), compact, x, a, b);
        Var h = param(random, 6, 37), wd = constant(random, 40, 37), ad = param(random, 8, 37), bd = param(random, 40, 8);
        for (boolean compactInput : new boolean[] {false, true}) {
            Var in = compactInput ? compact : h;
            GradCheck.assertGradients(() -> LinearOps.linearColsPlusLowRank(in, wd, cols, compactInput, Backend.cpu(), LinearOps.lowRankDown(h, ad, 2f), bd),
                    compactInput ? new Var[] {in, h, ad, bd} : new Var[] {h, ad, bd});
            Var unfused = LinearOps.addLowRank(LinearOps.linearCols(in, wd, cols, compactInput, Backend.cpu()), LinearOps.lowRankDown(h, ad, 2f), bd);
            assertThat(LinearOps.linearColsPlusLowRank(in, wd, cols, compactInput, Backend.cpu(), LinearOps.lowRankDown(h, ad, 2f), bd).value().toArray())
                    .containsExactly(unfused.value().toArray(), within(1e-5f));
        }
    }

    /** Factors of ranks 8, 3 and 8 over one input, one of them frozen: finite differences, and each part = lowRankDown. */
    @Test
    void lowRankDownSharedGradients() {
        Var x = param(random, 6, 40), a1 = param(random, 8, 40), a2 = constant(random, 3, 40), a3 = param(random, 8, 40);
        Var[] as = {a1, a2, a3};
        float[] scales = {2f, 0.5f, 1f};
        for (int part = 0; part < 3; part++) {
            int p = part;
            GradCheck.assertGradients(() -> {
                Var[] u = LinearOps.lowRankDownShared(x, as, scales);
                return Ops.add(Ops.sum(Ops.mul(u[p], u[p])), Ops.sum(u[(p + 1) % 3]));
            }, x, a1, a3);
            Var[] u = LinearOps.lowRankDownShared(x, as, scales);
            assertThat(u[p].value().toArray()).containsExactly(LinearOps.lowRankDown(x, as[p], scales[p]).value().toArray(), within(1e-5f));
        }
        assertThat(a2.grad()).isNull();
    }

    @Test
    void addLowRankGradients() {
        Var base = param(random, 3, 5), u = param(random, 3, 2), b = param(random, 5, 2);
        GradCheck.assertGradients(() -> LinearOps.addLowRank(base, u, b), base, u, b);
    }

    @Test
    void scatterPlusLowRankGradients() {
        Var compact = param(random, 3, 2), u = param(random, 3, 2), b = param(random, 5, 2);
        Index cols = new Index(new int[] {1, 4});
        GradCheck.assertGradients(() -> LinearOps.scatterPlusLowRank(compact, cols, 5, u, b), compact, u, b);
        Var unfused = Ops.add(LinearOps.scatterColumns(compact, cols, 5), LinearOps.linear(u, b));
        assertThat(LinearOps.scatterPlusLowRank(compact, cols, 5, u, b).value().toArray()).containsExactly(unfused.value().toArray(), within(1e-6f));
    }

    @Test
    void lowRankSumsEqualTheUnfusedOps() {
        Var x = param(random, 40, 24), w = constant(random, 36, 24), u = param(random, 40, 8), b = param(random, 36, 8);
        Tensor dy = Tensor.randn(random, 1f, 40, 36);
        Var unfused = Ops.add(LinearOps.linear(x, w), LinearOps.linear(u, b));
        Tape.backward(unfused, dy, false);
        float[][] expected = {x.grad().toArray(), u.grad().toArray(), b.grad().toArray()};
        for (Var fused : new Var[] {LinearOps.linearPlusLowRank(x, w, Backend.cpu(), u, b),
                LinearOps.addLowRank(LinearOps.linear(x, w), u, b)}) {
            for (Var v : new Var[] {x, u, b}) v.zeroGrad();
            Tape.backward(fused, dy, false);
            assertThat(fused.value().toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(unfused.value().toArray());
            assertThat(x.grad().toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(expected[0]);
            assertThat(u.grad().toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(expected[1]);
            assertThat(b.grad().toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(expected[2]);
        }
    }

    @Test
    void linearCrossEntropyGradients() {
        Var x = param(random, 4, 3), w = param(random, 6, 3);
        int[] targets = {2, -1, 5, 0};
        GradCheck.assertGradients(() -> LinearOps.linearCrossEntropy(x, w, targets, 3), x, w);
    }

    @Test
    void linearCrossEntropyWithFrozenClassifier() {
        Var x = param(random, 4, 3), w = constant(random, 6, 3);
        GradCheck.assertGradients(() -> LinearOps.linearCrossEntropy(x, w, new int[] {2, -1, 5, 0}, 3), x, w);
        assertThat(w.grad()).isNull();
    }

    @Test
    void linearCrossEntropyEqualsTheUnfusedOps() {
        Var x = param(random, 5, 3), w = param(random, 7, 3);
        int[] targets = {6, 0, -1, 3, 3};
        Var fused = LinearOps.linearCrossEntropy(x, w, targets, 4);
        Tape.backward(Ops.scale(fused, 0.5f));
        float[] dxFused = x.grad().toArray(), dwFused = w.grad().toArray();
        x.zeroGrad();
        w.zeroGrad();
        Var plain = Ops.crossEntropy(LinearOps.linear(x, w), targets, 4);
        Tape.backward(Ops.scale(plain, 0.5f));
        assertThat(fused.value().get(0)).isCloseTo(plain.value().get(0), org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(dxFused).usingComparatorWithPrecision(1e-6f).containsExactly(x.grad().toArray());
        assertThat(dwFused).usingComparatorWithPrecision(1e-6f).containsExactly(w.grad().toArray());
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
        assertThat(sparse.toArray()).containsExactly(dense.toArray(), within(1e-6f)); // two products: the JIT may order lanes differently
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
