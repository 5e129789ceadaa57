package org.sparselora4j.tensor;

import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.PackedMatrix;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU backend: the {@code tensor} kernels, spread over cores by {@link Parallel#current()}. The shared
 * {@link #INSTANCE} keeps nothing. One made by {@link Backend#cpuPackingWeights()} packs each frozen weight
 * once per layout, on first use as {@code b} of {@link #abT} (x·wᵀ) or {@link #ab} (dy·w), and multiplies by
 * the packed copy from then on ({@link PackedMatrix}), until its copies reach a budget of floats; weights seen
 * after that are packed per call as usual. The copies die with the backend ({@link #close}).
 */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend(0);

    /**
     * Products of fewer rows (decoding, a few labelled rows) multiply the weight as it is: the smallest of them
     * take the unpacked path anyway, and for the others a copy kept for their sake would cost more memory than
     * the packing per call costs time.
     */
    private static final int PACK_FROM_ROWS = 16;

    /** Packed copies by weight, one map per layout. */
    private final Map<TensorKey, PackedMatrix> transposed = new ConcurrentHashMap<>(), rowMajor = new ConcurrentHashMap<>();
    private final long budgetFloats;
    /** Compact weights get float32 copies in both layouts, as float32 ones do, instead of compact ones or none. */
    private final boolean widenCompact;
    private final AtomicLong packedFloats = new AtomicLong();

    /** A backend that keeps packed copies of at most {@code budgetFloats} floats (0: none). */
    CpuBackend(long budgetFloats) {
        this(budgetFloats, false);
    }

    /**
     * The same, with float32 copies of compact weights when {@code widenCompact}: a product of few rows (the
     * classifier's labelled rows, SparseLoRA's dense token group) widens a compact packing at about the cost of
     * packing; at the Llama 3.2 1B shape (BF16, 128 such rows) those ran 113-146 GFLOP/s against 167-205 from
     * float32 copies, and the SparseLoRA step took 8.6 s against 6.6 (Zen 4, 2 threads).
     */
    CpuBackend(long budgetFloats, boolean widenCompact) {
        this.budgetFloats = budgetFloats;
        this.widenCompact = widenCompact;
    }

    /** Floats held in packed copies. */
    long packedFloats() {
        return packedFloats.get();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        PackedMatrix p = a.rows() < PACK_FROM_ROWS ? null : packed(transposed, b, true);
        if (p != null) MatMul.multiply(a, p, out, accumulate);
        else MatMul.abT(a, b, out, accumulate);
    }

    @Override
    public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        PackedMatrix p = a.rows() < PACK_FROM_ROWS ? null : packed(rowMajor, b, false);
        if (p != null) MatMul.multiply(a, p, out, accumulate);
        else MatMul.ab(a, b, out, accumulate);
    }

    @Override
    public long keptBytes() {
        return packedFloats() * Float.BYTES;
    }

    /**
     * The packed copy of w in one layout, made on first use if the budget allows; null when there is none. A BF16
     * or F16 weight is packed in its own type (half the bytes of a float32 copy, {@link PackedMatrix#compact()}),
     * a Q8_0 one as int8 quants and float scales (1.125 bytes an element), and only for x·wᵀ, the product whose per-call packing transposes (dy·w packs by row copies and costs about
     * what a packed copy would). Other compact weights are never packed ahead: a float32 copy would be two to
     * eight times their size, the memory they are kept compact to save.
     */
    private PackedMatrix packed(Map<TensorKey, PackedMatrix> copies, Tensor w, boolean transposedLayout) {
        if (budgetFloats == 0) return null;
        boolean widen = w.isCompact() && widenCompact;
        if (w.isCompact() && !widen && !(transposedLayout && PackedMatrix.packsCompactly(w))) return null;
        int k = transposedLayout ? w.cols() : w.rows(), n = transposedLayout ? w.rows() : w.cols();
        PackedMatrix p = copies.computeIfAbsent(TensorKey.of(w), key -> {
            long floats = PackedMatrix.floatsFor(k, n);
            // The budget counts floats' worth of bytes: a 16-bit packing takes half, a Q8_0 one about a quarter.
            long cost = w.isCompact() && !widen ? (PackedMatrix.transposedBytes(w.type(), w.rows(), w.cols()) + 3) / 4 : floats;
            if (!reserve(cost)) return null; // no entry: asked again next time, cheaply
            if (widen) return PackedMatrix.floats(w, transposedLayout);
            return transposedLayout ? PackedMatrix.transposed(w) : PackedMatrix.rowMajor(w);
        });
        // A view of the same floats in another shape shares the key but not the packing.
        return p != null && p.k() == k && p.n() == n ? p : null;
    }

    /**
     * Both layouts of each weight, weights dealt to the threads in turn (thread t packs weights t, t + threads, ...),
     * so that the order given is roughly the order the budget is spent in.
     */
    @Override
    public void prepare(List<Tensor> frozenWeights) {
        if (budgetFloats == 0 || frozenWeights.isEmpty()) return;
        Parallel parallel = Parallel.current();
        int threads = Math.min(parallel.threads(), frozenWeights.size());
        parallel.forRange(threads, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int i = t; i < frozenWeights.size(); i += threads) {
                    Tensor w = frozenWeights.get(i);
                    packed(transposed, w, true);
                    packed(rowMajor, w, false);
                }
            }
        });
    }

    /** Takes {@code floats} from the budget if they fit, atomically (two weights may be packed at once). */
    private boolean reserve(long floats) {
        long used;
        do {
            used = packedFloats.get();
            if (used + floats > budgetFloats) return false;
        } while (!packedFloats.compareAndSet(used, used + floats));
        return true;
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
        transposed.clear();
        rowMajor.clear();
        packedFloats.set(0);
    }
}
