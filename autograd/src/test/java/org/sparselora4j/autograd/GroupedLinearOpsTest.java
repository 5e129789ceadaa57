package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

class GroupedLinearOpsTest {
    private final SplittableRandom random = new SplittableRandom(17);
    private final Index kept = new Index(new int[] {0, 5, 17, 36});

    @Test
    void rowsThenDenseGradients() {
        Var x = param(random, 7, 40), w = constant(random, 37, 40), a = param(random, 8, 40), b = param(random, 37, 8);
        for (int ns : new int[] {0, 4, 7}) {
            GradCheck.assertGradients(() -> GroupedLinearOps.rowsThenDense(x, ns, w, kept, Backend.cpu(), LinearOps.lowRankDown(x, a, 2f), b), x, a, b);
        }
        GradCheck.assertGradients(() -> GroupedLinearOps.rowsThenDense(x, 4, w, kept, Backend.cpu(), null, null), x);
        assertThat(w.grad()).isNull();
    }

    @Test
    void colsThenDenseGradients() {
        Var h = param(random, 7, 37), w = constant(random, 40, 37), a = param(random, 8, 37), b = param(random, 40, 8);
        for (int ns : new int[] {0, 3, 7}) {
            GradCheck.assertGradients(() -> GroupedLinearOps.colsThenDense(h, ns, w, kept, Backend.cpu(), LinearOps.lowRankDown(h, a, 2f), b), h, a, b);
        }
        GradCheck.assertGradients(() -> GroupedLinearOps.colsThenDense(h, 3, w, kept, Backend.cpu(), null, null), h);
    }

    /**
     * Both ops equal the split path they replace (the groups as row views, each group's projection with its own
     * LoRA down-projection, the results stacked), in value and in every gradient, at sizes past the GEMM's and the
     * rank kernels' blocks, on a backend that packs the weight (products written into row views of one tensor).
     */
    @Test
    void equalTheSplitGroupsStacked() {
        int n = 70, ns = 53, in = 96, out = 80;
        Index rows = new Index(new int[] {1, 2, 9, 30, 31, 64, 79});
        Tensor dy = Tensor.randn(random, 1f, n, out);
        for (boolean byRows : new boolean[] {true, false}) {
            Var x = param(random, n, in), w = constant(random, out, in), a = param(random, 8, in), b = param(random, out, 8);
            Index idx = byRows ? rows : new Index(new int[] {0, 3, 4, 40, 95});
            Backend packing = Backend.cpuPackingWeights();
            Var xs = RowOps.sliceRows(x, 0, ns), xd = RowOps.sliceRows(x, ns, n);
            Var split = byRows
                    ? RowOps.concatRows(LinearOps.scatterPlusLowRank(LinearOps.linearRows(xs, w, idx, Backend.cpu()), idx, out, LinearOps.lowRankDown(xs, a, 2f), b),
                            LinearOps.linearPlusLowRank(xd, w, Backend.cpu(), LinearOps.lowRankDown(xd, a, 2f), b))
                    : RowOps.concatRows(LinearOps.linearColsPlusLowRank(xs, w, idx, false, Backend.cpu(), LinearOps.lowRankDown(xs, a, 2f), b),
                            LinearOps.linearPlusLowRank(xd, w, Backend.cpu(), LinearOps.lowRankDown(xd, a, 2f), b));
            Tape.backward(split, dy, false);
            float[][] expected = {split.value().toArray(), x.grad().toArray(), a.grad().toArray(), b.grad().toArray()};
            for (Var v : new Var[] {x, a, b}) v.zeroGrad();
            for (int round = 0; round < 2; round++) { // the second round multiplies by the packed copies
                Var grouped = byRows
                        ? GroupedLinearOps.rowsThenDense(x, ns, w, idx, packing, LinearOps.lowRankDown(x, a, 2f), b)
                        : GroupedLinearOps.colsThenDense(x, ns, w, idx, packing, LinearOps.lowRankDown(x, a, 2f), b);
                Tape.backward(grouped, dy, false);
                assertThat(grouped.value().toArray()).containsExactly(expected[0], within(1e-4f));
                assertThat(x.grad().toArray()).containsExactly(expected[1], within(1e-4f));
                assertThat(a.grad().toArray()).containsExactly(expected[2], within(1e-3f));
                assertThat(b.grad().toArray()).containsExactly(expected[3], within(1e-3f));
                for (Var v : new Var[] {x, a, b}) v.zeroGrad();
            }
            packing.close();
        }
    }

    @Test
    void badOperandsAreRefused() {
        Var x = param(random, 5, 6), w = constant(random, 4, 6), u = param(random, 5, 2), b = param(random, 4, 2);
        assertThatThrownBy(() -> GroupedLinearOps.rowsThenDense(x, 6, w, kept, Backend.cpu(), u, b)).hasMessageContaining("6 sparse rows of 5");
        assertThatThrownBy(() -> GroupedLinearOps.colsThenDense(x, 2, w, kept, Backend.cpu(), u, null)).hasMessageContaining("u and b go together");
        assertThatThrownBy(() -> GroupedLinearOps.rowsThenDense(x, 2, param(random, 4, 6), kept, Backend.cpu(), u, b)).hasMessageContaining("frozen");
    }
}
