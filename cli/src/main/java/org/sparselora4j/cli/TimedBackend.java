package org.sparselora4j.cli;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backend that times every product it hands to another, by its caller's label (the method whose step runs) and
 * the product's kind and m x k x n, on the calling thread's wall clock: {@code bench step --breakdown}. The calls
 * run exactly as on the wrapped backend; only {@link System#nanoTime()} is added around each.
 */
final class TimedBackend implements Backend {
    /** The sums of one (label, kind, m, k, n). */
    record Entry(String label, String kind, int m, int k, int n, long calls, long nanos) {
        double flops() {
            return 2.0 * m * k * n * calls;
        }
    }

    private final Backend inner;
    private final Map<String, long[]> sums = new LinkedHashMap<>();
    private String label = "";
    private boolean on;

    TimedBackend(Backend inner) {
        this.inner = inner;
    }

    /** Calls from now on count under {@code label}, if {@code on}; otherwise they are not counted. */
    void count(String label, boolean on) {
        this.label = label;
        this.on = on;
    }

    /** What was counted, largest total time first. */
    List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        sums.forEach((key, v) -> {
            String[] p = key.split(" ");
            out.add(new Entry(p[0], p[1], Integer.parseInt(p[2]), Integer.parseInt(p[3]), Integer.parseInt(p[4]), v[0], v[1]));
        });
        out.sort(Comparator.comparingLong(Entry::nanos).reversed());
        return out;
    }

    /** Runs one product of the wrapped backend, its wall time summed under (label, kind, m, k, n) while counting. */
    private void time(String kind, int m, int k, int n, Runnable product) {
        if (!on) {
            product.run();
            return;
        }
        long t0 = System.nanoTime();
        product.run();
        long dt = System.nanoTime() - t0;
        long[] s = sums.computeIfAbsent(label + " " + kind + " " + m + " " + k + " " + n, x -> new long[2]);
        s[0]++;
        s[1] += dt;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        time("abT", a.rows(), a.cols(), b.rows(), () -> inner.abT(a, b, out, accumulate));
    }

    @Override
    public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        time("ab", a.rows(), a.cols(), b.cols(), () -> inner.ab(a, b, out, accumulate));
    }

    @Override
    public void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        time("aTb", a.cols(), a.rows(), b.cols(), () -> inner.aTb(a, b, out, accumulate));
    }

    @Override
    public void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        time("rowsAbT", x.rows(), x.cols(), rows.size(), () -> inner.rowsAbT(x, w, rows, out, accumulate));
    }

    @Override
    public void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        time("rowsAb", dy.rows(), rows.size(), w.cols(), () -> inner.rowsAb(dy, w, rows, out, accumulate));
    }

    @Override
    public void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        time("colsAbT", x.rows(), cols.size(), w.rows(), () -> inner.colsAbT(x, w, cols, compactInput, out, accumulate));
    }

    @Override
    public void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        time("colsAb", dy.rows(), w.rows(), cols.size(), () -> inner.colsAb(dy, w, cols, out, accumulate));
    }

    @Override
    public long keptBytes() {
        return inner.keptBytes();
    }

    @Override
    public void prepare(List<Tensor> frozenWeights) {
        inner.prepare(frozenWeights);
    }

    @Override
    public void close() {
        inner.close();
    }
}
