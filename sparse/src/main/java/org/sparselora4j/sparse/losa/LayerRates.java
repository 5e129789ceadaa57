package org.sparselora4j.sparse.losa;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * LoSA's layer-wise sparsity (METHODS 2.5): redundancy ρ_l = Σ_{m≠l} CKA(l, m), normalised to sum 1, importance
 * w_l = exp(−β·ρ_l), and the rates that minimise Σ x_l·w_l subject to mean(x) = S_t and S_t − δ ≤ x_l ≤ S_t + δ.
 * That linear program's optimum is bang-bang, computed in closed form: the floor(L/2) most important layers get
 * S_t − δ, the floor(L/2) least important S_t + δ, the middle one (odd L) S_t. So β does not matter, and the
 * code's direction is followed: more redundant layers are pruned more. Rates are clipped to [0, 1].
 */
public final class LayerRates {
    private LayerRates() {
    }

    /** S_t = S · (1 − (1 − t/T)³), the cubic schedule over rounds t = 1..T. */
    public static double cubic(double target, int round, int rounds) {
        if (rounds < 1 || round < 1 || round > rounds) throw new IllegalArgumentException("round " + round + " of " + rounds);
        double f = 1.0 - (double) round / rounds;
        return target * (1.0 - f * f * f);
    }

    /**
     * δ for a round's target: 0.01 up to 0.5, 0.02 up to 0.6, 0.03 up to 0.7; above 0.7 the previous round's δ is
     * kept (the reference code's behaviour; {@code previous} is used only then, and 0.03 stands in when a first
     * round already exceeds 0.7, where the reference is undefined).
     */
    public static double delta(double target, double previous) {
        if (target <= 0.5) return 0.01;
        if (target <= 0.6) return 0.02;
        if (target <= 0.7) return 0.03;
        return previous > 0 ? previous : 0.03;
    }

    /** ρ_l = Σ_{m≠l} cka[l][m], divided by Σ_l ρ_l (uniform when every off-diagonal entry is 0). */
    public static double[] redundancy(double[][] cka) {
        int layers = cka.length;
        double[] rho = new double[layers];
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            for (int m = 0; m < layers; m++) if (m != l) rho[l] += cka[l][m];
            sum += rho[l];
        }
        for (int l = 0; l < layers; l++) rho[l] = sum > 0 ? rho[l] / sum : 1.0 / layers;
        return rho;
    }

    /** w_l = exp(−β·ρ_l). */
    public static double[] importance(double[] redundancy, double beta) {
        return Arrays.stream(redundancy).map(r -> Math.exp(-beta * r)).toArray();
    }

    /**
     * The bang-bang optimum for importances w: the floor(L/2) layers of highest w get target − δ, the floor(L/2) of
     * lowest w target + δ, the middle one target; ties go by layer index (the lower index counts as more important).
     */
    public static double[] allocate(double[] importance, double target, double delta) {
        int layers = importance.length;
        Integer[] order = IntStream.range(0, layers).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer l) -> -importance[l]).thenComparingInt(l -> l));
        double[] rates = new double[layers];
        int half = layers / 2;
        for (int k = 0; k < layers; k++) {
            double r = k < half ? target - delta : k >= layers - half ? target + delta : target;
            rates[order[k]] = Math.min(1.0, Math.max(0.0, r));
        }
        return rates;
    }

    /** Rates from a CKA matrix: redundancy, importance with β, then {@link #allocate}. */
    public static double[] fromCka(double[][] cka, double target, double delta, double beta) {
        return allocate(importance(redundancy(cka), beta), target, delta);
    }

    /** The same rate for every layer. */
    public static double[] uniform(int layers, double target) {
        double[] r = new double[layers];
        Arrays.fill(r, target);
        return r;
    }
}
