package org.sparselora4j.sparse;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.SplittableRandom;

/**
 * Singular triplets of a matrix M (m, n): M ≈ u · diag(s) · vᵀ with u (m, r) and v (n, r) orthonormal columns
 * and s descending. {@link #truncated} finds the top r by randomized subspace iteration (what the SVD estimator
 * uses); {@link #exact} is the full one-sided Jacobi decomposition in double, the reference tests compare with.
 *
 * @param u left singular vectors as columns (m, r)
 * @param s singular values, descending (r)
 * @param v right singular vectors as columns (n, r)
 */
public record Svd(Tensor u, double[] s, Tensor v) {
    /** Extra directions beyond the rank that the subspace iteration carries (Halko, Martinsson, Tropp 2011). */
    public static final int DEFAULT_OVERSAMPLE = 8;
    /** Most power iterations; flat spectra (real weights) stop here, decaying ones converge in a few. */
    public static final int DEFAULT_MAX_ITERATIONS = 24;
    /** Iteration stops when no top-r singular value moves by more than this fraction between iterations. */
    public static final double DEFAULT_TOLERANCE = 1e-6;

    public Svd {
        s = s.clone();
        if (u.rank() != 2 || v.rank() != 2 || u.cols() != s.length || v.cols() != s.length) {
            throw new IllegalArgumentException("SVD parts do not match: u " + u.shape() + ", " + s.length + " values, v " + v.shape());
        }
    }

    @Override
    public double[] s() {
        return s.clone();
    }

    public int rank() {
        return s.length;
    }

    /** u · diag(s) · vᵀ, (m, n). */
    public Tensor reconstruct() {
        int m = u.rows();
        int n = v.rows();
        int r = s.length;
        Tensor us = u.copy();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < r; j++) us.set((float) (us.get(i, j) * s[j]), i, j);
        }
        return r == 0 ? Tensor.zeros(m, n) : MatMul.abT(us, v);
    }

    /** The top {@code rank} singular triplets with the default oversampling, iterations and seed. */
    public static Svd truncated(Tensor m, int rank) {
        return truncated(m, rank, DEFAULT_OVERSAMPLE, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, 0x5eed);
    }

    /**
     * The top {@code rank} singular triplets of m by randomized subspace iteration: Y = M·Ω for a Gaussian Ω of
     * rank + oversample columns, then alternately orthonormalize and multiply by Mᵀ and M, so that the subspace
     * converges to the top singular subspace at rate (σ_{l+1}/σ_r)^2 per iteration. Each Z = Mᵀ·Q is the
     * transposed projection B = Qᵀ·M, whose small exact SVD gives the estimate; iteration stops when the top
     * rank values settle to {@code tolerance} or after {@code maxIterations}. The big products run on the float
     * matmul kernels; orthonormalization (modified Gram-Schmidt, done twice) and the small SVD run in double.
     */
    public static Svd truncated(Tensor m, int rank, int oversample, int maxIterations, double tolerance, long seed) {
        if (m.rank() != 2) throw new IllegalArgumentException("SVD of a matrix, got " + m.shape());
        int rows = m.rows();
        int cols = m.cols();
        int full = Math.min(rows, cols);
        if (rank < 1 || rank > full) {
            throw new IllegalArgumentException("rank " + rank + " is outside [1, " + full + "] for a " + rows + " x " + cols + " matrix");
        }
        if (oversample < 0 || maxIterations < 1) throw new IllegalArgumentException("oversample must be ≥ 0 and maxIterations ≥ 1");
        int l = Math.min(rank + oversample, full);
        SplittableRandom random = new SplittableRandom(seed);
        Tensor q = orthonormalize(MatMul.ab(m, Tensor.randn(random, 1f, cols, l)));    // (rows, l)
        double[] previous = null;
        Small small = null;
        for (int it = 0; it < maxIterations; it++) {
            Tensor z = MatMul.aTb(m, q);                                                 // (cols, l) = Bᵀ
            small = Small.of(z);
            if (previous != null && settled(previous, small.s, rank, tolerance)) break;
            previous = small.s;
            if (it + 1 < maxIterations) q = orthonormalize(MatMul.ab(m, orthonormalize(z)));
        }
        // B = Qᵀ·M = Zᵀ = Vz·Σ·Uzᵀ, so M ≈ Q·B = (Q·Vz)·Σ·Uzᵀ.
        Tensor vz = small.v(rank);                                                       // (l, rank)
        Tensor u = MatMul.ab(q, vz);                                                     // (rows, rank)
        double[] s = java.util.Arrays.copyOf(small.s, rank);
        return new Svd(u, s, small.u(rank));
    }

    /** All min(m, n) singular triplets of m by one-sided Jacobi in double: slow, exact, for tests. */
    public static Svd exact(Tensor m) {
        if (m.rank() != 2) throw new IllegalArgumentException("SVD of a matrix, got " + m.shape());
        boolean transpose = m.rows() < m.cols();
        int rows = transpose ? m.cols() : m.rows();
        int cols = transpose ? m.rows() : m.cols();
        double[][] a = new double[cols][rows];
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                if (transpose) a[i][j] = m.get(i, j);
                else a[j][i] = m.get(i, j);
            }
        }
        double[][] uc = new double[cols][rows];
        double[][] vc = new double[cols][cols];
        double[] s = JacobiSvd.decompose(a, uc, vc);
        Tensor left = columns(uc, rows);
        Tensor right = columns(vc, cols);
        return transpose ? new Svd(right, s, left) : new Svd(left, s, right);
    }

    /** The SVD of the small matrix Bᵀ (n, l), as Bᵀ = U·Σ·Vᵀ. */
    private record Small(double[][] uc, double[] s, double[][] vc) {
        static Small of(Tensor bt) {
            int n = bt.rows();
            int l = bt.cols();
            double[][] a = new double[l][n];
            float[] d = bt.data();
            int off = bt.offset();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < l; j++) a[j][i] = d[off + i * l + j];
            }
            double[][] uc = new double[l][n];
            double[][] vc = new double[l][l];
            double[] s = JacobiSvd.decompose(a, uc, vc);
            return new Small(uc, s, vc);
        }

        Tensor u(int rank) {
            return columns(java.util.Arrays.copyOf(uc, rank), uc[0].length);
        }

        Tensor v(int rank) {
            return columns(java.util.Arrays.copyOf(vc, rank), vc[0].length);
        }
    }

    private static boolean settled(double[] previous, double[] current, int rank, double tolerance) {
        double scale = Math.max(current[0], Double.MIN_NORMAL);
        for (int j = 0; j < rank; j++) {
            // Relative to each value, but values far below the top one only need to settle relative to it.
            double ref = Math.max(Math.abs(current[j]), 1e-3 * scale);
            if (Math.abs(current[j] - previous[j]) > tolerance * ref) return false;
        }
        return true;
    }

    /** A (length, k) tensor whose column j is cols[j]. */
    private static Tensor columns(double[][] cols, int length) {
        int k = cols.length;
        Tensor t = Tensor.zeros(length, k);
        float[] d = t.data();
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < length; i++) d[i * k + j] = (float) cols[j][i];
        }
        return t;
    }

    /**
     * Orthonormal columns spanning those of y (n, l), by modified Gram-Schmidt in double, run twice so the result
     * is orthogonal to rounding even when y's columns are nearly dependent. A column that vanishes (y rank-deficient)
     * stays zero.
     */
    static Tensor orthonormalize(Tensor y) {
        int n = y.rows();
        int l = y.cols();
        double[][] c = new double[l][n];
        float[] d = y.data();
        int off = y.offset();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < l; j++) c[j][i] = d[off + i * l + j];
        }
        double[] original = new double[l];
        for (int j = 0; j < l; j++) original[j] = Math.sqrt(JacobiSvd.dot(c[j], c[j]));
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < l; j++) {
                for (int p = 0; p < j; p++) {
                    double proj = JacobiSvd.dot(c[p], c[j]);
                    for (int i = 0; i < n; i++) c[j][i] -= proj * c[p][i];
                }
                double norm = Math.sqrt(JacobiSvd.dot(c[j], c[j]));
                if (norm <= 1e-12 * Math.max(original[j], Double.MIN_NORMAL) || norm == 0) {
                    java.util.Arrays.fill(c[j], 0);
                } else {
                    for (int i = 0; i < n; i++) c[j][i] /= norm;
                }
            }
        }
        return columns(c, n);
    }
}
