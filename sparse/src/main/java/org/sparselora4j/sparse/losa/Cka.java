package org.sparselora4j.sparse.losa;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.List;

/**
 * Linear centered kernel alignment between layers' features (LoSA's RMI estimate, METHODS 2.5): with F (N, D)
 * one row per sequence, K = F·Fᵀ (N, N), Kc = C·K·C for the centering C = I − 11ᵀ/N, and
 * CKA(a, b) = ⟨Kc_a, Kc_b⟩_F / (‖Kc_a‖_F · ‖Kc_b‖_F). Invariant to isotropic scaling and orthogonal transforms
 * of either feature space; in [0, 1] because the centered Gram matrices are positive semi-definite.
 */
public final class Cka {
    private Cka() {
    }

    /** The centered Gram matrix Kc (N, N), in double, of features (N, D). */
    public static double[][] centeredGram(Tensor features) {
        int n = features.rows();
        if (n < 2) throw new IllegalArgumentException("CKA needs at least two samples, got " + n);
        Tensor k = MatMul.abT(features, features);
        double[][] g = new double[n][n];
        double[] rowMean = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                g[i][j] = k.get(i, j);
                rowMean[i] += g[i][j] / n;
            }
            mean += rowMean[i] / n;
        }
        // K is symmetric, so column means equal row means: Kc_ij = K_ij − m_i − m_j + m.
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) g[i][j] = g[i][j] - rowMean[i] - rowMean[j] + mean;
        return g;
    }

    /** CKA of two centered Gram matrices of the same samples; 0 when either is zero (constant features). */
    public static double of(double[][] ka, double[][] kb) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < ka.length; i++) {
            for (int j = 0; j < ka.length; j++) {
                dot += ka[i][j] * kb[i][j];
                na += ka[i][j] * ka[i][j];
                nb += kb[i][j] * kb[i][j];
            }
        }
        if (na == 0 || nb == 0) return 0;
        return Math.min(1.0, Math.max(0.0, dot / Math.sqrt(na * nb)));
    }

    /** CKA between features (N, D_a) and (N, D_b) of the same N samples. */
    public static double of(Tensor a, Tensor b) {
        if (a.rows() != b.rows()) throw new IllegalArgumentException("CKA of " + a.rows() + " and " + b.rows() + " samples");
        return of(centeredGram(a), centeredGram(b));
    }

    /** The symmetric matrix of CKA between every pair of feature sets (unit diagonal for non-constant features). */
    public static double[][] matrix(List<Tensor> features) {
        int layers = features.size();
        double[][][] grams = new double[layers][][];
        for (int l = 0; l < layers; l++) grams[l] = centeredGram(features.get(l));
        double[][] m = new double[layers][layers];
        for (int a = 0; a < layers; a++) {
            m[a][a] = of(grams[a], grams[a]);
            for (int b = a + 1; b < layers; b++) m[a][b] = m[b][a] = of(grams[a], grams[b]);
        }
        return m;
    }

    /**
     * Features of one layer, (N, T·H): each sequence's hidden states flattened into one row. {@code chunks} hold
     * (b·T, H) each, sequences in order.
     */
    public static Tensor features(List<Tensor> chunks, int seqLen) {
        int rows = 0;
        for (Tensor c : chunks) rows += c.rows() / seqLen;
        int width = seqLen * chunks.getFirst().cols();
        Tensor f = Tensor.zeros(rows, width);
        int r = 0;
        for (Tensor c : chunks) {
            int n = c.rows() / seqLen;
            System.arraycopy(c.data(), c.offset(), f.data(), r * width, n * width);
            r += n;
        }
        return f;
    }
}
