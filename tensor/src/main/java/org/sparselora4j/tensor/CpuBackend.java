package org.sparselora4j.tensor;

import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;

/** The CPU backend: the {@code tensor} kernels, spread over cores by {@link Parallel#current()}. */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        MatMul.abT(a, b, out, accumulate);
    }

    @Override
    public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        MatMul.ab(a, b, out, accumulate);
    }

    @Override
    public void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        MatMul.aTb(a, b, out, accumulate);
    }

    @Override
    public void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        GatheredMatMul.rowsAbT(x, w, rows, out, accumulate);
    }

    @Override
    public void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        GatheredMatMul.rowsAb(dy, w, rows, out, accumulate);
    }

    @Override
    public void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        GatheredMatMul.colsAbT(x, w, cols, compactInput, out, accumulate);
    }

    @Override
    public void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        GatheredMatMul.colsAb(dy, w, cols, out, accumulate);
    }

    @Override
    public void close() {
    }
}
