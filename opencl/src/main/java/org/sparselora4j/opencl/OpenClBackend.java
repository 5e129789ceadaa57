package org.sparselora4j.opencl;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Checks;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Backend} on an OpenCL device: every product runs {@code matmul.cl}, with the semantics of
 * {@code tensor}'s {@code MatMul} and {@code GatheredMatMul}.
 * <p>Transfers per call: the activation operands are uploaded, the output is read back (and uploaded first only
 * with {@code accumulate}); the frozen weight ({@code b} of {@code abT}/{@code ab}, {@code w} of the gathered
 * products) is uploaded once and then cached on the device, keyed by the identity of its backing array, offset
 * and size. <b>A weight must not be mutated while cached</b>: call {@link #evict(Tensor)} after changing it (or
 * pass trainable tensors, such as LoRA factors, only as activations: {@code a} of {@code abT}, or either side of
 * {@code aTb}, which is never cached). An index is uploaded once per {@link Index} object.
 * <p>Calls are serialised (one queue, one set of scratch buffers); {@link #close()} releases every device
 * resource.
 */
public final class OpenClBackend implements Backend {
    private final ClContext context;
    private final DeviceMatMul matmul;
    private final WeightCache weights;
    private final Scratch scratchA;
    private final Scratch scratchB;
    private final Scratch scratchOut;
    private final Scratch scratchIndex;
    private Index lastIndex; // the Index whose values scratchIndex holds (Index is immutable)
    private boolean closed;

    /** Takes ownership of {@code context}: closing the backend closes it. */
    public OpenClBackend(ClContext context) {
        this(context, MatMulTiling.forDevice(context.device()));
    }

    /** With a given tile shape instead of the device's default (tests run every shape on any device). */
    OpenClBackend(ClContext context, MatMulTiling tiling) {
        this.context = context;
        this.matmul = new DeviceMatMul(context, tiling);
        this.weights = new WeightCache(context);
        this.scratchA = new Scratch(context);
        this.scratchB = new Scratch(context);
        this.scratchOut = new Scratch(context);
        this.scratchIndex = new Scratch(context);
    }

    /** Loads OpenCL, picks a device and opens a backend on it; throws {@link OpenClUnavailableException} if it cannot. */
    public static OpenClBackend open(DeviceSelector selector) {
        OpenCl cl = OpenCl.load();
        return new OpenClBackend(cl.open(cl.select(selector)));
    }

    public Device device() {
        return context.device();
    }

    @Override
    public String name() {
        return "opencl:" + context.device().name();
    }

    /** Drops the device copy of {@code w}, if any; returns whether there was one. */
    public synchronized boolean evict(Tensor w) {
        checkOpen();
        return weights.evict(w);
    }

    /** Drops every cached weight. */
    public synchronized void evictAll() {
        checkOpen();
        weights.close();
    }

    /** Bytes of device memory that cached weights hold. */
    public synchronized long cachedBytes() {
        return weights.bytes();
    }

    /** Number of cached weights. */
    public synchronized int cachedWeights() {
        return weights.size();
    }

    ClContext context() {
        return context;
    }

    DeviceMatMul matmul() {
        return matmul;
    }

    @Override
    public synchronized void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.rows();
        Checks.equal("abT", "inner dimension", b.cols(), k, a, b);
        Checks.output("abT", out, m, n);
        run(MatMulVariant.AB_T, m, n, k, a, k, b, true, k, null, out, accumulate);
    }

    @Override
    public synchronized void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.cols();
        Checks.equal("ab", "inner dimension", b.rows(), k, a, b);
        Checks.output("ab", out, m, n);
        run(MatMulVariant.AB, m, n, k, a, k, b, true, n, null, out, accumulate);
    }

    @Override
    public synchronized void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int k = a.rows(), m = a.cols(), n = b.cols();
        Checks.equal("aTb", "inner dimension", b.rows(), k, a, b);
        Checks.output("aTb", out, m, n);
        run(MatMulVariant.AT_B, m, n, k, a, m, b, false, n, null, out, accumulate);
    }

    @Override
    public synchronized void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = x.rows(), in = x.cols(), k = rows.size();
        Checks.equal("rowsAbT", "input width", w.cols(), in, x, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAbT", out, n, k);
        run(MatMulVariant.ROWS_AB_T, n, k, in, x, in, w, true, in, rows, out, accumulate);
    }

    @Override
    public synchronized void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = dy.rows(), k = rows.size(), in = w.cols();
        Checks.equal("rowsAb", "gradient width", dy.cols(), k, dy, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAb", out, n, in);
        run(MatMulVariant.ROWS_AB, n, in, k, dy, k, w, true, in, rows, out, accumulate);
    }

    @Override
    public synchronized void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        int n = x.rows(), xw = x.cols(), in = w.cols(), outF = w.rows(), k = cols.size();
        Checks.equal("colsAbT", "input width", xw, compactInput ? k : in, x, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAbT", out, n, outF);
        MatMulVariant v = compactInput ? MatMulVariant.COLS_AB_T_COMPACT : MatMulVariant.COLS_AB_T;
        run(v, n, outF, k, x, xw, w, true, in, cols, out, accumulate);
    }

    @Override
    public synchronized void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        int n = dy.rows(), outF = w.rows(), in = w.cols(), k = cols.size();
        Checks.equal("colsAb", "gradient width", dy.cols(), outF, dy, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAb", out, n, k);
        run(MatMulVariant.COLS_AB, n, k, outF, dy, outF, w, true, in, cols, out, accumulate);
    }

    /**
     * out(m,n) (+)= A · B for one variant: uploads a (and b unless it is a cached weight, and the index), runs,
     * reads out back. Empty products never reach the device: OpenCL has no zero-byte buffers.
     */
    private void run(MatMulVariant variant, int m, int n, int k, Tensor a, int lda, Tensor b, boolean bIsWeight, int ldb,
                     Index index, Tensor out, boolean accumulate) {
        checkOpen();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) out.zero();
            return;
        }
        ClBuffer aBuf = upload(scratchA, a);
        ClBuffer bBuf = bIsWeight ? weights.get(b) : upload(scratchB, b);
        ClBuffer idxBuf = index == null ? null : indexBuffer(index);
        ClBuffer outBuf = scratchOut.fit((long) out.size() * Float.BYTES);
        if (accumulate) outBuf.write(out.data(), out.offset(), out.size());
        matmul.enqueue(variant, m, n, k, aBuf, lda, bBuf, ldb, idxBuf, outBuf, accumulate);
        // The blocking read waits for the kernel (in-order queue).
        outBuf.read(out.data(), out.offset(), out.size());
    }

    private static ClBuffer upload(Scratch scratch, Tensor t) {
        ClBuffer buf = scratch.fit((long) t.size() * Float.BYTES);
        buf.write(t.data(), t.offset(), t.size());
        return buf;
    }

    private ClBuffer indexBuffer(Index index) {
        ClBuffer buf = scratchIndex.fit((long) index.size() * Integer.BYTES);
        if (index != lastIndex) {
            lastIndex = null;
            int[] values = index.values();
            buf.write(values, 0, values.length);
            lastIndex = index;
        }
        return buf;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(name() + " is closed");
    }

    /** Releases cached weights, scratch buffers, programs, the queue and the context. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<RuntimeException> errors = new ArrayList<>();
        for (AutoCloseable c : List.<AutoCloseable>of(weights, scratchA, scratchB, scratchOut, scratchIndex, context)) {
            try {
                c.close();
            } catch (RuntimeException e) {
                errors.add(e);
            } catch (Exception e) {
                errors.add(new IllegalStateException(e));
            }
        }
        if (!errors.isEmpty()) {
            RuntimeException first = errors.getFirst();
            for (int i = 1; i < errors.size(); i++) first.addSuppressed(errors.get(i));
            throw first;
        }
    }
}
