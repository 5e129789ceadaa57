package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * {@link GatheredMatMul}'s products whose output is few kept channels wide (at most {@link #MAX_KEPT}; SparseLoRA's
 * FFN at 99% sparsity keeps 48 of 4864): x·w[rows]ᵀ and dy·w[:, cols]. The kept rows or columns of w are copied
 * into a small (kept, width) factor and the product runs on {@link LowRank#project}, which reads the wide operand
 * once where it lies; the packed GEMM would pack all of it for a product a few dozen columns wide (384 x 896 x 48
 * on 2 Zen 4 cores: 400 vs 600 µs for x·w[rows]ᵀ, 600 vs 900 for dy·w[:, cols]). The products whose output is
 * wide (dy·w[rows], x[:, cols]·w[:, cols]ᵀ) stay on the GEMM: {@link LowRank#expand} at rank 48 passes over the
 * output six times and was slower there. Same results as {@link GatheredMatMul}'s definitions (the
 * {@code …Scalar} twins there) up to summation order.
 */
final class NarrowGathered {
    /** Most kept channels this path takes; above it the packed GEMM's tiles fill. */
    static final int MAX_KEPT = 64;

    private NarrowGathered() {
    }

    /**
     * Most kept columns dy·w[:, cols] takes this path for with a compact w (BF16, Q8_0, ...): the GEMM would decode
     * each kept element while packing a column gather (384 x 2048 x 81 of a BF16 down projection at 14 GFLOP/s).
     */
    static final int MAX_KEPT_COMPACT_COLUMNS = 128;

    /** True when x·w[rows]ᵀ keeping {@code kept} rows of a float32 w takes this path. */
    static boolean suits(int kept, Tensor w) {
        return kept <= MAX_KEPT && !w.isCompact();
    }

    /** True when dy·w[:, cols] keeping {@code kept} columns of w (float32 or compact) takes this path. */
    static boolean suitsColumns(int kept, Tensor w) {
        return kept <= (w.isCompact() ? MAX_KEPT_COMPACT_COLUMNS : MAX_KEPT);
    }

    /** y(n,k) (+)= x(n,in) · w[rows]ᵀ. */
    static void rowsAbT(Tensor x, Tensor w, int[] rows, Tensor out, boolean accumulate) {
        LowRank.project(x, gatherRows(w, rows), 1f, out, accumulate);
    }

    /** dxk(n,k) (+)= dy(n,out) · w[:,cols]. */
    static void colsAb(Tensor dy, Tensor w, int[] cols, Tensor out, boolean accumulate) {
        LowRank.project(dy, gatherColumnsTransposed(w, cols), 1f, out, accumulate);
    }

    /** w[rows] as a fresh (k, in) tensor. */
    static Tensor gatherRows(Tensor w, int[] rows) {
        int in = w.cols();
        Tensor f = Tensor.zeros(rows.length, in);
        float[] wd = w.data(), fd = f.data();
        for (int q = 0; q < rows.length; q++) System.arraycopy(wd, w.offset() + rows[q] * in, fd, q * in, in);
        return f;
    }

    /** w[:, cols]ᵀ as a fresh (k, out) tensor; w's rows read in order, split over threads; a compact w decoded element by element. */
    static Tensor gatherColumnsTransposed(Tensor w, int[] cols) {
        int out = w.rows(), in = w.cols(), k = cols.length;
        Tensor f = Tensor.zeros(k, out);
        float[] fd = f.data();
        if (w.isCompact()) {
            Parallel.current().forRange(out, 64, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    long row = (long) j * in;
                    for (int q = 0; q < k; q++) fd[q * out + j] = Dequant.decodeOne(w.type(), w.bytes(), row + cols[q]);
                }
            });
            return f;
        }
        float[] wd = w.data();
        int wo = w.offset();
        Parallel.current().forRange(out, 64, (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                int row = wo + j * in;
                for (int q = 0; q < k; q++) fd[q * out + j] = wd[row + cols[q]];
            }
        });
        return f;
    }
}
