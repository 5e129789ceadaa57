package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * Matmuls over a chosen subset of a weight's channels, as SparseLoRA uses them. The fast versions read only the
 * chosen rows or columns of {@code w}, so they do (kept / total) of the dense work; the {@code …Reference}
 * twins compute the full dense product and then select, which is the definition tests compare against.
 * <ul>
 * <li>{@code rowsAbT}: y(n,k) = x(n,in) · w[rows]ᵀ: only the chosen output channels (gate, up, q, k, v);</li>
 * <li>{@code rowsAb}: dx(n,in) = dy(n,k) · w[rows]: the input gradient of {@code rowsAbT};</li>
 * <li>{@code colsAbT}: y(n,out) = x[:,cols] · w[:,cols]ᵀ: only the chosen input channels (down, o); x is full
 * width (n,in), or already compact (n,k) with {@code compactInput};</li>
 * <li>{@code colsAb}: dxk(n,k) = dy(n,out) · w[:,cols]: the input gradient of {@code colsAbT} on the kept
 * channels (scatter it with {@link Gather#scatterColumns} for a full-width gradient).</li>
 * </ul>
 */
public final class GatheredMatMul {
    private GatheredMatMul() {
    }

    public static Tensor rowsAbT(Tensor x, Tensor w, Index rows) {
        Tensor out = Tensor.zeros(x.rows(), rows.size());
        rowsAbT(x, w, rows, out, false);
        return out;
    }

    /** y(n,k) (+)= x(n,in) · w[rows]ᵀ: the chosen rows of w are gathered while packing, never copied. */
    public static void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = x.rows(), in = x.cols(), k = rows.size();
        Checks.equal("rowsAbT", "input width", w.cols(), in, x, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAbT", out, n, k);
        if (NarrowGathered.suits(k, w) && !x.isCompact()) {
            NarrowGathered.rowsAbT(x, w, rows.values(), out, accumulate);
            return;
        }
        Operand wt = Operand.transposed(w).withColIndex(rows.values());
        MatMul.multiply(Operand.rowMajor(x.data(), x.offset(), in), wt, n, in, k, out, accumulate);
    }

    public static Tensor rowsAb(Tensor dy, Tensor w, Index rows) {
        Tensor out = Tensor.zeros(dy.rows(), w.cols());
        rowsAb(dy, w, rows, out, false);
        return out;
    }

    /** dx(n,in) (+)= dy(n,k) · w[rows]: k shrinks to the chosen rows. */
    public static void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = dy.rows(), k = rows.size(), in = w.cols();
        Checks.equal("rowsAb", "gradient width", dy.cols(), k, dy, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAb", out, n, in);
        Operand wRows = Operand.rowMajor(w).withRowIndex(rows.values());
        MatMul.multiply(Operand.rowMajor(dy.data(), dy.offset(), k), wRows, n, k, in, out, accumulate);
    }

    public static Tensor colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput) {
        Tensor out = Tensor.zeros(x.rows(), w.rows());
        colsAbT(x, w, cols, compactInput, out, false);
        return out;
    }

    /** y(n,out) (+)= x[:,cols] · w[:,cols]ᵀ: k shrinks to the chosen columns, gathered while packing. */
    public static void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        int n = x.rows(), xw = x.cols(), in = w.cols(), outF = w.rows(), k = cols.size();
        Checks.equal("colsAbT", "input width", xw, compactInput ? k : in, x, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAbT", out, n, outF);
        int[] idx = cols.values();
        Operand xk = Operand.rowMajor(x.data(), x.offset(), xw);
        Operand wt = Operand.transposed(w).withRowIndex(idx);
        if (!compactInput) {
            xk = xk.withColIndex(idx);
            // For the packed core, gather x[:, cols] once, split over threads, into the caller's scratch:
            // otherwise every thread would gather all of x while packing its own copy of A.
            if (wt.compact() || !SmallMatMul.suits(xk, wt, n, k, outF)) xk = compactColumns(x, idx);
        }
        MatMul.multiply(xk, wt, n, k, outF, out, accumulate);
    }

    /** x[:, idx] as a row-major (n, k) operand in a scratch array of the calling thread, reused between calls. */
    private static Operand compactColumns(Tensor x, int[] idx) {
        int n = x.rows(), w = x.cols(), k = idx.length;
        float[] buf = COMPACT.get();
        if (buf.length < n * k) {
            buf = new float[n * k];
            COMPACT.set(buf);
        }
        float[] xd = x.data(), dst = buf;
        Parallel.current().forRange(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                int xo = x.offset() + i * w, o = i * k;
                for (int c = 0; c < k; c++) dst[o + c] = xd[xo + idx[c]];
            }
        });
        return Operand.rowMajor(buf, 0, k);
    }

    /** The caller's buffer for {@link #compactColumns}: nested kernels run inline, so one per thread suffices. */
    private static final ThreadLocal<float[]> COMPACT = ThreadLocal.withInitial(() -> new float[0]);

    public static Tensor colsAb(Tensor dy, Tensor w, Index cols) {
        Tensor out = Tensor.zeros(dy.rows(), cols.size());
        colsAb(dy, w, cols, out, false);
        return out;
    }

    /** dxk(n,k) (+)= dy(n,out) · w[:,cols]: only the chosen columns of w are packed. */
    public static void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        int n = dy.rows(), outF = w.rows(), in = w.cols(), k = cols.size();
        Checks.equal("colsAb", "gradient width", dy.cols(), outF, dy, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAb", out, n, k);
        if (NarrowGathered.suitsColumns(k, w) && !dy.isCompact()) {
            NarrowGathered.colsAb(dy, w, cols.values(), out, accumulate);
            return;
        }
        Operand wCols = Operand.rowMajor(w).withColIndex(cols.values());
        MatMul.multiply(Operand.rowMajor(dy.data(), dy.offset(), outF), wCols, n, outF, k, out, accumulate);
    }

    // ---- scalar twins: the same loops as the fast kernels, reading only the chosen channels ----

    public static void rowsAbTScalar(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = x.rows(), in = x.cols(), k = rows.size();
        Checks.equal("rowsAbT", "input width", w.cols(), in, x, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAbT", out, n, k);
        int[] idx = rows.values();
        float[] xd = x.data(), wd = w.data(), od = out.data();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                float sum = 0f;
                int wo = w.offset() + idx[j] * in;
                for (int p = 0; p < in; p++) sum += xd[x.offset() + i * in + p] * wd[wo + p];
                int o = out.offset() + i * k + j;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    public static void rowsAbScalar(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = dy.rows(), k = rows.size(), in = w.cols();
        Checks.equal("rowsAb", "gradient width", dy.cols(), k, dy, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAb", out, n, in);
        int[] idx = rows.values();
        float[] dd = dy.data(), wd = w.data(), od = out.data();
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < in; p++) {
                float sum = 0f;
                for (int j = 0; j < k; j++) sum += dd[dy.offset() + i * k + j] * wd[w.offset() + idx[j] * in + p];
                int o = out.offset() + i * in + p;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    public static void colsAbTScalar(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        int n = x.rows(), xw = x.cols(), in = w.cols(), outF = w.rows(), k = cols.size();
        Checks.equal("colsAbT", "input width", xw, compactInput ? k : in, x, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAbT", out, n, outF);
        int[] idx = cols.values();
        float[] xd = x.data(), wd = w.data(), od = out.data();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < outF; j++) {
                float sum = 0f;
                for (int c = 0; c < k; c++) {
                    float xv = xd[x.offset() + i * xw + (compactInput ? c : idx[c])];
                    sum += xv * wd[w.offset() + j * in + idx[c]];
                }
                int o = out.offset() + i * outF + j;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    public static void colsAbScalar(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        int n = dy.rows(), outF = w.rows(), in = w.cols(), k = cols.size();
        Checks.equal("colsAb", "gradient width", dy.cols(), outF, dy, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAb", out, n, k);
        int[] idx = cols.values();
        float[] dd = dy.data(), wd = w.data(), od = out.data();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                float sum = 0f;
                for (int j = 0; j < outF; j++) sum += dd[dy.offset() + i * outF + j] * wd[w.offset() + j * in + idx[c]];
                int o = out.offset() + i * k + c;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    // ---- masked-dense references: the full product, then select ----

    public static Tensor rowsAbTReference(Tensor x, Tensor w, Index rows) {
        return Gather.columns(MatMul.abT(x, w), rows);
    }

    public static Tensor rowsAbReference(Tensor dy, Tensor w, Index rows) {
        return MatMul.ab(Gather.scatterColumns(dy, rows, w.rows()), w);
    }

    public static Tensor colsAbTReference(Tensor x, Tensor w, Index cols, boolean compactInput) {
        Tensor full = compactInput ? Gather.scatterColumns(x, cols, w.cols()) : Gather.keepColumns(x, cols);
        return MatMul.abT(full, w);
    }

    public static Tensor colsAbReference(Tensor dy, Tensor w, Index cols) {
        return Gather.columns(MatMul.ab(dy, w), cols);
    }
}
