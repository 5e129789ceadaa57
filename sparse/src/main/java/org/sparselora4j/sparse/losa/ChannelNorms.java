package org.sparselora4j.sparse.losa;

import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wanda's input statistics of the seven projections of one block: for each input channel j of each projection,
 * n_j = (Σ over calibration tokens of x_j²) / (number of sequences).
 */
public final class ChannelNorms {
    private final Map<Target, double[]> sums = new EnumMap<>(Target.class);
    private final int sequences;

    /** Empty statistics for a calibration set of {@code sequences} sequences. */
    public ChannelNorms(int sequences) {
        if (sequences < 1) throw new IllegalArgumentException("statistics need at least one sequence, got " + sequences);
        this.sequences = sequences;
    }

    /** Adds the squares of the input x (n, in) that {@code target} just saw. */
    public void record(Target target, Tensor x) {
        int n = x.rows(), in = x.cols();
        double[] s = sums.computeIfAbsent(target, t -> new double[in]);
        if (s.length != in) throw new IllegalArgumentException(target + " saw inputs of width " + in + " after " + s.length);
        float[] d = x.data();
        for (int r = 0; r < n; r++) {
            int off = x.offset() + r * in;
            for (int j = 0; j < in; j++) s[j] += (double) d[off + j] * d[off + j];
        }
    }

    /** n_j of {@code target}'s inputs; throws when it has seen none. */
    public double[] norms(Target target) {
        double[] s = sums.get(target);
        if (s == null) throw new IllegalStateException("no calibration input recorded for " + target);
        double[] n = new double[s.length];
        for (int j = 0; j < s.length; j++) n[j] = s[j] / sequences;
        return n;
    }
}
