package org.sparselora4j.sparse.losa;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * y = x·Wᵀ for a sparse W in CSR form: x (n, in), W (out, in) → y (n, out); each output is a dot product over
 * the surviving inputs of one row of W, so the work is n · nnz instead of n · out · in. Two SIMD strategies,
 * chosen by the batch:
 * <ul>
 * <li>few rows of x (decoding): per output, a gather of x at the row's columns times the row's values;</li>
 * <li>many rows: x transposed once to (in, n), then per non-zero a broadcast of its value times the
 * contiguous row xᵀ[col] of n inputs, accumulated across the batch in lanes (no gathers).</li>
 * </ul>
 * Output rows are split over {@link Parallel#current()}. {@link #abTScalar} is the definition.
 */
public final class SparseMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** From this batch on the transposed path fills at least half of a vector. */
    static final int TRANSPOSED_FROM = Math.max(2, F.length() / 2);
    /** Outputs per parallel task, in non-zeros: below this much work a task is not worth a thread. */
    private static final int GRAIN_NON_ZEROS = 1 << 14;

    private SparseMatMul() {
    }

    /** A new (n, out) result. */
    public static Tensor abT(Tensor x, CsrMatrix w) {
        Tensor out = Tensor.zeros(x.rows(), w.rows());
        abT(x, w, out);
        return out;
    }

    /** out (n, out) = x (n, in) · Wᵀ. */
    public static void abT(Tensor x, CsrMatrix w, Tensor out) {
        check(x, w, out);
        int n = x.rows();
        int grain = Math.max(1, GRAIN_NON_ZEROS / Math.max(1, n * (w.nonZeros() / Math.max(1, w.rows()))));
        if (n >= TRANSPOSED_FROM) {
            Tensor xt = transpose(x);                                            // (in, n)
            Parallel.current().forRange(w.rows(), grain, (from, to) -> transposedRows(xt, n, w, out, from, to));
        } else {
            Parallel.current().forRange(w.rows(), grain, (from, to) -> gatherRows(x, w, out, from, to));
        }
    }

    /** The definition: out[b][i] = Σ_k values[k] · x[b][colIndex[k]] over row i's non-zeros, left to right. */
    public static void abTScalar(Tensor x, CsrMatrix w, Tensor out) {
        check(x, w, out);
        int n = x.rows(), in = x.cols(), outs = w.rows();
        float[] xd = x.data(), od = out.data();
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < outs; i++) {
                float sum = 0f;
                for (int k = w.rowStart()[i]; k < w.rowStart()[i + 1]; k++) sum += w.values()[k] * xd[x.offset() + b * in + w.colIndex()[k]];
                od[out.offset() + b * outs + i] = sum;
            }
        }
    }

    private static void gatherRows(Tensor x, CsrMatrix w, Tensor out, int from, int to) {
        int n = x.rows(), in = x.cols(), outs = w.rows(), step = F.length();
        float[] xd = x.data(), od = out.data(), values = w.values();
        int[] start = w.rowStart(), cols = w.colIndex();
        for (int i = from; i < to; i++) {
            int lo = start[i], hi = start[i + 1];
            int bound = lo + ((hi - lo) / step) * step;
            for (int b = 0; b < n; b++) {
                int xOff = x.offset() + b * in;
                FloatVector acc = FloatVector.zero(F);
                int k = lo;
                for (; k < bound; k += step) {
                    acc = FloatVector.fromArray(F, values, k).fma(FloatVector.fromArray(F, xd, xOff, cols, k), acc);
                }
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; k < hi; k++) sum += values[k] * xd[xOff + cols[k]];
                od[out.offset() + b * outs + i] = sum;
            }
        }
    }

    private static void transposedRows(Tensor xt, int n, CsrMatrix w, Tensor out, int from, int to) {
        int outs = w.rows();
        float[] xd = xt.data(), od = out.data(), values = w.values();
        int[] start = w.rowStart(), cols = w.colIndex();
        float[] lanes = new float[F.length()];
        for (int i = from; i < to; i++) {
            for (int b0 = 0; b0 < n; b0 += F.length()) {
                VectorMask<Float> m = F.indexInRange(b0, n);
                FloatVector acc = FloatVector.zero(F);
                for (int k = start[i]; k < start[i + 1]; k++) {
                    acc = FloatVector.fromArray(F, xd, cols[k] * n + b0, m).fma(FloatVector.broadcast(F, values[k]), acc);
                }
                acc.intoArray(lanes, 0);
                for (int b = b0; b < Math.min(n, b0 + F.length()); b++) od[out.offset() + b * outs + i] = lanes[b - b0];
            }
        }
    }

    /** (n, in) → (in, n). */
    private static Tensor transpose(Tensor x) {
        int n = x.rows(), in = x.cols();
        Tensor t = Tensor.zeros(in, n);
        float[] xd = x.data(), td = t.data();
        for (int b = 0; b < n; b++) for (int j = 0; j < in; j++) td[j * n + b] = xd[x.offset() + b * in + j];
        return t;
    }

    private static void check(Tensor x, CsrMatrix w, Tensor out) {
        if (x.cols() != w.cols()) throw new IllegalArgumentException("x " + x.shape() + " does not fit a sparse weight of " + w.cols() + " inputs");
        if (out.rows() != x.rows() || out.cols() != w.rows()) {
            throw new IllegalArgumentException("output " + out.shape() + ", expected [" + x.rows() + ", " + w.rows() + "]");
        }
    }
}
