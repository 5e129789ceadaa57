package org.sparselora4j.sparse;

/**
 * One-sided Jacobi SVD (Hestenes) in double precision: rotates pairs of columns of a tall matrix until all are
 * mutually orthogonal; their norms are then the singular values. Exact to rounding, O(m·n²) per sweep, so it is
 * the reference for {@link Svd#exact} and the small inner step of {@link Svd#truncated}, never a full-size path.
 */
final class JacobiSvd {
    private static final int MAX_SWEEPS = 60;
    private static final double EPS = 1e-15;

    private JacobiSvd() {
    }

    /**
     * Decomposes the m x n matrix whose columns are {@code cols[j]} (length m, m ≥ n; overwritten) as
     * U·diag(s)·Vᵀ. Returns the singular values in descending order; {@code u} (n columns of length m) and
     * {@code v} (n columns of length n) receive the matching singular vectors. A column of U for a zero singular
     * value is left zero.
     */
    static double[] decompose(double[][] cols, double[][] u, double[][] v) {
        int n = cols.length;
        int m = n == 0 ? 0 : cols[0].length;
        if (m < n) throw new IllegalArgumentException("one-sided Jacobi needs rows ≥ columns, got " + m + " x " + n);
        double[][] vv = new double[n][n];
        for (int j = 0; j < n; j++) vv[j][j] = 1;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int i = 0; i < n - 1; i++) {
                for (int j = i + 1; j < n; j++) {
                    rotated |= rotate(cols, vv, i, j);
                }
            }
            if (!rotated) break;
        }
        double[] s = new double[n];
        for (int j = 0; j < n; j++) s[j] = Math.sqrt(dot(cols[j], cols[j]));
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) order[j] = j;
        // Descending by value; ties keep the column order, so results are deterministic.
        java.util.Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
        double[] sorted = new double[n];
        for (int r = 0; r < n; r++) {
            int j = order[r];
            sorted[r] = s[j];
            double inv = s[j] > 0 ? 1 / s[j] : 0;
            for (int i = 0; i < m; i++) u[r][i] = cols[j][i] * inv;
            System.arraycopy(vv[j], 0, v[r], 0, n);
        }
        return sorted;
    }

    /** One Jacobi rotation that makes columns i and j orthogonal; false when they already are (to rounding). */
    private static boolean rotate(double[][] a, double[][] v, int i, int j) {
        double alpha = dot(a[i], a[i]);
        double beta = dot(a[j], a[j]);
        double gamma = dot(a[i], a[j]);
        if (gamma == 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) return false;
        double zeta = (beta - alpha) / (2 * gamma);
        double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        if (zeta == 0) t = 1;
        double c = 1 / Math.sqrt(1 + t * t);
        double s = c * t;
        rotatePair(a[i], a[j], c, s);
        rotatePair(v[i], v[j], c, s);
        return true;
    }

    private static void rotatePair(double[] x, double[] y, double c, double s) {
        for (int k = 0; k < x.length; k++) {
            double xk = x[k];
            double yk = y[k];
            x[k] = c * xk - s * yk;
            y[k] = s * xk + c * yk;
        }
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) sum += a[k] * b[k];
        return sum;
    }
}
