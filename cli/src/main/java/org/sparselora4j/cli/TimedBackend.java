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

    private long start() {
        return on ? System.nanoTime() : 0;
    }

    private void stop(long t0, String kind, int m, int k, int n) {
        if (!on) return;
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
        long t = start();
        inner.abT(a, b, out, accumulate);
        stop(t, "abT", a.rows(), a.cols(), b.rows());
    }

    @Override
    public void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        long t = start();
        inner.ab(a, b, out, accumulate);
        stop(t, "ab", a.rows(), a.cols(), b.cols());
    }

    @Override
    public void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        long t = start();
        inner.aTb(a, b, out, accumulate);
        stop(t, "aTb", a.cols(), a.rows(), b.cols());
    }

    @Override
    public void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate) {
        long t = start();
        inner.rowsAbT(x, w, rows, out, accumulate);
        stop(t, "rowsAbT", x.rows(), x.cols(), rows.size());
    }

    @Override
    public void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate) {
        long t = start();
        inner.rowsAb(dy, w, rows, out, accumulate);
        stop(t, "rowsAb", dy.rows(), rows.size(), w.cols());
    }

    @Override
    public void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate) {
        long t = start();
        inner.colsAbT(x, w, cols, compactInput, out, accumulate);
        stop(t, "colsAbT", x.rows(), cols.size(), w.rows());
    }

    @Override
    public void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate) {
        long t = start();
        inner.colsAb(dy, w, cols, out, accumulate);
        stop(t, "colsAb", dy.rows(), w.rows(), cols.size());
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
