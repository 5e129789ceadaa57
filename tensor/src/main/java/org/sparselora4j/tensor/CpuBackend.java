package org.sparselora4j.tensor;

import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.PackedMatrix;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CPU backend: the {@code tensor} kernels, spread over cores by {@link Parallel#current()}. The shared
 * {@link #INSTANCE} keeps nothing. One made by {@link Backend#cpuPackingWeights()} packs each frozen weight
 * once per layout, on first use as {@code b} of {@link #abT} (x·wᵀ) or {@link #ab} (dy·w), and multiplies by
 * the packed copy from then on ({@link PackedMatrix}); the copies die with the backend ({@link #close}).
 */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend(false);

    /**
     * Products of fewer rows read the weight in place (the unpacked small path: decoding, a few labelled rows), so
     * a packed copy would only cost memory.
     */
    private static final int PACK_FROM_ROWS = 16;

    /** Packed copies by weight, one map per layout; null for the shared instance. */
    private final Map<TensorKey, PackedMatrix> transposed, rowMajor;

    CpuBackend(boolean packWeights) {
        this.transposed = packWeights ? new ConcurrentHashMap<>() : null;
        this.rowMajor = packWeights ? new ConcurrentHashMap<>() : null;
    }

    /** Floats held in packed copies. */
    long packedFloats() {
        if (transposed == null) return 0;
        long sum = 0;
        for (PackedMatrix p : transposed.values()) sum += p.floats();
        for (PackedMatrix p : rowMajor.values()) sum += p.floats();
        return sum;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        PackedMatrix p = transposed == null || a.rows() < PACK_FROM_ROWS ? null
                : transposed.computeIfAbsent(TensorKey.of(b), key -> PackedMatrix.transposed(b));
        // A view of the same floats in another shape shares the key but not the packing.
        if (p != null && p.k() == b.cols() && p.n() == b.rows()) MatMul.multiply(a, p, out, accumulate);
        else MatMul.abT(a, b, out, accumulate);
    }

    @Override
    public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        PackedMatrix p = rowMajor == null || a.rows() < PACK_FROM_ROWS ? null
                : rowMajor.computeIfAbsent(TensorKey.of(b), key -> PackedMatrix.rowMajor(b));
        if (p != null && p.k() == b.rows() && p.n() == b.cols()) MatMul.multiply(a, p, out, accumulate);
        else MatMul.ab(a, b, out, accumulate);
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
        if (transposed != null) {
            transposed.clear();
            rowMajor.clear();
        }
    }
}
