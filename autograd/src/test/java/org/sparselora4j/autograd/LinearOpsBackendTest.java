package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sparselora4j.autograd.Fixtures.constant;
import static org.sparselora4j.autograd.Fixtures.param;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

/** The frozen-weight linears on a {@link Backend}: the same values and gradients as the plain ops, through the backend. */
class LinearOpsBackendTest {
    private final SplittableRandom random = new SplittableRandom(11);
    private final Index rows = new Index(new int[] {0, 2, 3});
    private final Index cols = new Index(new int[] {1, 3});

    /** Backend.cpu() with a log of the calls, to see which products went through it. */
    private static final class Recording implements Backend {
        final List<String> calls = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
            calls.add("abT");
            Backend.cpu().abT(a, b, out, accumulate);
        }

        @Override
        public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
            calls.add("ab");
            Backend.cpu().ab(a, b, out, accumulate);
        }

        @Override
        public void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
            calls.add("aTb");
            Backend.cpu().aTb(a, b, out, accumulate);
        }

        @Override
        public void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
            calls.add("rowsAbT");
            Backend.cpu().rowsAbT(x, w, rows, out, accumulate);
        }

        @Override
        public void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
            calls.add("rowsAb");
            Backend.cpu().rowsAb(dy, w, rows, out, accumulate);
        }

        @Override
        public void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
            calls.add("colsAbT");
            Backend.cpu().colsAbT(x, w, cols, compactInput, out, accumulate);
        }

        @Override
        public void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
            calls.add("colsAb");
            Backend.cpu().colsAb(dy, w, cols, out, accumulate);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void linearGoesThroughTheBackendAndMatchesThePlainOp() {
        Var x = param(random, 3, 4), w = constant(random, 5, 4);
        Recording backend = new Recording();
        assertSame(x, () -> LinearOps.linear(x, w), () -> LinearOps.linear(x, w, backend));
        assertThat(backend.calls).containsExactly("abT", "ab");
        GradCheck.assertGradients(() -> LinearOps.linear(x, w, Backend.cpu()), x, w);
    }

    @Test
    void linearRowsGoesThroughTheBackendAndMatchesThePlainOp() {
        Var x = param(random, 3, 4), w = constant(random, 5, 4);
        Recording backend = new Recording();
        assertSame(x, () -> LinearOps.linearRows(x, w, rows), () -> LinearOps.linearRows(x, w, rows, backend));
        assertThat(backend.calls).containsExactly("rowsAbT", "rowsAb");
        GradCheck.assertGradients(() -> LinearOps.linearRows(x, w, rows, Backend.cpu()), x, w);
    }

    @Test
    void linearColsOnAFullWidthInputGoesThroughTheBackendAndMatchesThePlainOp() {
        Var x = param(random, 3, 4), w = constant(random, 5, 4);
        Recording backend = new Recording();
        assertSame(x, () -> LinearOps.linearCols(x, w, cols, false), () -> LinearOps.linearCols(x, w, cols, false, backend));
        assertThat(backend.calls).containsExactly("colsAbT", "colsAb");
        GradCheck.assertGradients(() -> LinearOps.linearCols(x, w, cols, false, Backend.cpu()), x, w);
    }

    @Test
    void linearColsOnACompactInputGoesThroughTheBackendAndMatchesThePlainOp() {
        Var x = param(random, 3, 2), w = constant(random, 5, 4);
        Recording backend = new Recording();
        assertSame(x, () -> LinearOps.linearCols(x, w, cols, true), () -> LinearOps.linearCols(x, w, cols, true, backend));
        assertThat(backend.calls).containsExactly("colsAbT", "colsAb");
        GradCheck.assertGradients(() -> LinearOps.linearCols(x, w, cols, true, Backend.cpu()), x, w);
    }

    @Test
    void aConstantInputNeedsNoBackwardProduct() {
        Var x = constant(random, 3, 4), w = constant(random, 5, 4), bias = param(random, 3, 5);
        Recording backend = new Recording();
        Tape.backward(Ops.sum(Ops.add(LinearOps.linear(x, w, backend), bias)));
        assertThat(backend.calls).containsExactly("abT");
    }

    @Test
    void frozenClassifierAndLossGoThroughTheBackendAndMatchThePlainOp() {
        Var x = param(random, 4, 6), w = constant(random, 9, 6);
        int[] targets = {2, -1, 8, 0};
        Recording backend = new Recording();
        assertSame(x, () -> LinearOps.linearCrossEntropy(x, w, targets, 3f), () -> LinearOps.linearCrossEntropy(x, w, targets, 3f, backend));
        assertThat(backend.calls).containsExactly("abT", "ab");
        GradCheck.assertGradients(() -> LinearOps.linearCrossEntropy(x, w, targets, 3f, Backend.cpu()), x, w);
        Var trainable = param(random, 9, 6);
        assertThatThrownBy(() -> LinearOps.linearCrossEntropy(x, trainable, targets, 3f, Backend.cpu())).hasMessageContaining("frozen");
    }

    @Test
    void aTrainableWeightIsRefused() {
        Var x = param(random, 3, 4), w = param(random, 5, 4);
        assertThatThrownBy(() -> LinearOps.linear(x, w, Backend.cpu())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frozen");
        assertThatThrownBy(() -> LinearOps.linearRows(x, w, rows, Backend.cpu())).hasMessageContaining("frozen");
        assertThatThrownBy(() -> LinearOps.linearCols(x, w, cols, false, Backend.cpu())).hasMessageContaining("frozen");
    }

    /** Forward values and dx of the plain op and its backend twin: the same kernels, so the same numbers to float rounding (the JIT may order lanes differently between two calls). */
    private static void assertSame(Var x, Supplier<Var> plain, Supplier<Var> onBackend) {
        Var expected = plain.get();
        Tape.backward(Ops.sum(expected));
        float[] dxExpected = x.grad().toArray();
        x.zeroGrad();
        Var actual = onBackend.get();
        Tape.backward(Ops.sum(actual));
        assertThat(actual.value().toArray()).containsExactly(expected.value().toArray(), within(1e-5f));
        assertThat(x.grad().toArray()).containsExactly(dxExpected, within(1e-5f));
    }
}
