package org.sparselora4j.tornado;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.TensorKey;
import org.sparselora4j.tensor.kernel.Checks;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Backend} on a TornadoVM device: every product runs {@link MatMulKernel} in a task graph, with the semantics
 * of {@code tensor}'s {@code MatMul} and {@code GatheredMatMul}.
 * <p>Each frozen weight ({@code b} of {@code abT}/{@code ab}, {@code w} of the gathered products) gets its own task
 * graph, keyed by the identity of its backing array, offset and size: the weight is uploaded on the graph's first
 * execution and stays on the device, and the graph serves every product over it (forward, backward, gathered rows
 * or columns), the kept-channel index travelling with each call. {@code aTb} (both operands activations: a LoRA
 * factor's or no weight at all) runs in one shared graph that sends both. <b>A weight must not be mutated while
 * this backend is open</b> (or pass trainable tensors only as {@code a} of {@code abT} or either side of
 * {@code aTb}, which are never kept). Calls are serialised; {@link #close()} frees every device buffer.
 * <p>Open one through {@link Tornado#open}, which checks first that TornadoVM is there.
 */
public final class TornadoBackend implements Backend {
    private final TornadoDevice device;
    private final String name;
    private final Map<TensorKey, ProductGraph> weights = new HashMap<>();
    private ProductGraph activations;
    private int graphs;
    private boolean closed;

    TornadoBackend(TornadoDevice device) {
        this.device = device;
        this.name = "tornado:" + device.getPhysicalDevice().getDeviceName();
    }

    @Override
    public String name() {
        return name;
    }

    /** Number of frozen weights kept on the device. */
    public synchronized int cachedWeights() {
        return weights.size();
    }

    /** Bytes of device memory the kept weights hold. */
    public synchronized long cachedBytes() {
        long sum = 0;
        for (ProductGraph g : weights.values()) sum += g.weightBytes();
        return sum;
    }

    @Override
    public synchronized void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.rows();
        Checks.equal("abT", "inner dimension", b.cols(), k, a, b);
        Checks.output("abT", out, m, n);
        onWeight(Layout.AB_T, m, n, k, a, k, b, k, null, out, accumulate);
    }

    @Override
    public synchronized void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.cols();
        Checks.equal("ab", "inner dimension", b.rows(), k, a, b);
        Checks.output("ab", out, m, n);
        onWeight(Layout.AB, m, n, k, a, k, b, n, null, out, accumulate);
    }

    @Override
    public synchronized void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int k = a.rows(), m = a.cols(), n = b.cols();
        Checks.equal("aTb", "inner dimension", b.rows(), k, a, b);
        Checks.output("aTb", out, m, n);
        checkOpen();
        if (empty(m, n, k, out, accumulate)) return;
        int cSize = m * n;
        if (activations == null || !activations.fits(a.size(), b.size(), 0, cSize)) {
            int aCap = Math.max(a.size(), activations == null ? 0 : activations.aCapacity());
            int bCap = Math.max(b.size(), activations == null ? 0 : activations.bCapacity());
            int cCap = Math.max(cSize, activations == null ? 0 : activations.cCapacity());
            if (activations != null) activations.close();
            activations = null;
            activations = ProductGraph.forActivations(nextName(), device, aCap, bCap, cCap);
        }
        activations.run(Layout.AT_B, m, n, k, a, m, b, n, null, out, accumulate);
    }

    @Override
    public synchronized void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = x.rows(), in = x.cols(), k = rows.size();
        Checks.equal("rowsAbT", "input width", w.cols(), in, x, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAbT", out, n, k);
        onWeight(Layout.ROWS_AB_T, n, k, in, x, in, w, in, rows, out, accumulate);
    }

    @Override
    public synchronized void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        int n = dy.rows(), k = rows.size(), in = w.cols();
        Checks.equal("rowsAb", "gradient width", dy.cols(), k, dy, w);
        rows.checkBelow(w.rows(), "rows of w " + w.shape());
        Checks.output("rowsAb", out, n, in);
        onWeight(Layout.ROWS_AB, n, in, k, dy, k, w, in, rows, out, accumulate);
    }

    @Override
    public synchronized void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        int n = x.rows(), xw = x.cols(), in = w.cols(), outF = w.rows(), k = cols.size();
        Checks.equal("colsAbT", "input width", xw, compactInput ? k : in, x, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAbT", out, n, outF);
        onWeight(compactInput ? Layout.COLS_AB_T_COMPACT : Layout.COLS_AB_T, n, outF, k, x, xw, w, in, cols, out, accumulate);
    }

    @Override
    public synchronized void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        int n = dy.rows(), outF = w.rows(), in = w.cols(), k = cols.size();
        Checks.equal("colsAb", "gradient width", dy.cols(), outF, dy, w);
        cols.checkBelow(in, "columns of w " + w.shape());
        Checks.output("colsAb", out, n, k);
        onWeight(Layout.COLS_AB, n, k, outF, dy, outF, w, in, cols, out, accumulate);
    }

    /** out(m,n) (+)= A · W in {@code layout}, in the graph of the frozen weight {@code w}. */
    private void onWeight(Layout layout, int m, int n, int k, Tensor a, int lda, Tensor w, int ldw, Index index, Tensor out, boolean accumulate) {
        checkOpen();
        if (empty(m, n, k, out, accumulate)) return;
        int idxSize = index == null ? 0 : index.size();
        int cSize = m * n;
        TensorKey key = TensorKey.of(w);
        ProductGraph g = weights.get(key);
        if (g == null || !g.fits(a.size(), 0, idxSize, cSize)) {
            // Room for the backward product too (dy·W reads m x out and writes m x in, the forward the other way round):
            // each rebuild costs a compile (about 0.1-0.6 s on PoCL) and an upload of the weight.
            long both = (long) m * Math.max(w.rows(), w.cols());
            int room = (int) Math.min(Integer.MAX_VALUE - 8, both);
            int aCap = Math.max(Math.max(a.size(), room), g == null ? 0 : g.aCapacity());
            int idxCap = Math.max(idxSize, g == null ? 0 : g.idxCapacity());
            int cCap = Math.max(Math.max(cSize, room), g == null ? 0 : g.cCapacity());
            if (g != null) weights.remove(key).close();
            g = ProductGraph.forWeight(nextName(), device, w, aCap, idxCap, cCap);
            weights.put(key, g);
        }
        g.run(layout, m, n, k, a, lda, null, ldw, index, out, accumulate);
    }

    /** Products with nothing to compute never reach the device: M or N of 0 write nothing, K of 0 writes zeros. */
    private static boolean empty(int m, int n, int k, Tensor out, boolean accumulate) {
        if (m == 0 || n == 0) return true;
        if (k == 0) {
            if (!accumulate) out.zero();
            return true;
        }
        return false;
    }

    private String nextName() {
        return "sparselora4j" + graphs++;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(name + " is closed");
    }

    /** Frees every task graph's device buffers. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        List<ProductGraph> all = new ArrayList<>(weights.values());
        if (activations != null) all.add(activations);
        weights.clear();
        activations = null;
        RuntimeException first = null;
        for (ProductGraph g : all) {
            try {
                g.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
