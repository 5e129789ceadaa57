package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/**
 * Dense matrix products in the three layouts a linear layer needs. Every operand is seen as a matrix
 * ({@link Tensor#rows()} x {@link Tensor#cols()}). With {@code accumulate} the product is added to {@code out}.
 * <ul>
 * <li>{@code abT}: out(m,n) = a(m,k) · b(n,k)ᵀ, a linear layer's forward (b = weight, out x in);</li>
 * <li>{@code ab}: out(m,n) = a(m,k) · b(k,n), its input gradient (dy · W);</li>
 * <li>{@code aTb}: out(m,n) = a(k,m)ᵀ · b(k,n), its weight gradient (dyᵀ · x).</li>
 * </ul>
 * The {@code …Scalar} twins are the definitions that tests compare against.
 */
public final class MatMul {
    private MatMul() {
    }

    public static Tensor abT(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(a.rows(), b.rows());
        abT(a, b, out, false);
        return out;
    }

    public static Tensor ab(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(a.rows(), b.cols());
        ab(a, b, out, false);
        return out;
    }

    public static Tensor aTb(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(a.cols(), b.cols());
        aTb(a, b, out, false);
        return out;
    }

    /** out(m,n) (+)= a(m,k) · b(n,k)ᵀ on the packed SIMD GEMM (small products on {@link SmallMatMul}). */
    public static void abT(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.rows();
        Checks.equal("abT", "inner dimension", b.cols(), k, a, b);
        Checks.output("abT", out, m, n);
        multiply(Operand.rowMajor(a.data(), a.offset(), k), Operand.transposed(b), m, k, n, out, accumulate);
    }

    /** out(m,n) (+)= a(m,k) · b(k,n) on the packed SIMD GEMM. */
    public static void ab(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.cols();
        Checks.equal("ab", "inner dimension", b.rows(), k, a, b);
        Checks.output("ab", out, m, n);
        multiply(Operand.rowMajor(a.data(), a.offset(), k), Operand.rowMajor(b), m, k, n, out, accumulate);
    }

    /** out(m,n) (+)= a(k,m)ᵀ · b(k,n) on the packed SIMD GEMM. */
    public static void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int k = a.rows(), m = a.cols(), n = b.cols();
        Checks.equal("aTb", "inner dimension", b.rows(), k, a, b);
        Checks.output("aTb", out, m, n);
        multiply(Operand.transposed(a.data(), a.offset(), m), Operand.rowMajor(b.data(), b.offset(), n), m, k, n, out, accumulate);
    }

    /**
     * out(m,n) (+)= a(m,k) · B(k,n) with B packed beforehand ({@link PackedMatrix#transposed}: x·wᵀ,
     * {@link PackedMatrix#rowMajor}: dy·w): the same result as {@link #abT}/{@link #ab} on the unpacked matrix,
     * without packing it again. Products the small path takes read the unpacked matrix as they always do.
     */
    public static void multiply(Tensor a, PackedMatrix b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.n();
        if (b.k() != k) {
            throw new IllegalArgumentException("packed product: inner dimension " + k + " of " + a.shape() + " does not match the packed "
                    + b.k() + " x " + n);
        }
        Checks.output("packed product", out, m, n);
        multiply(Operand.rowMajor(a.data(), a.offset(), k), b.source(), b, m, k, n, out, accumulate);
    }

    /**
     * out(m,n) (+)= a(m,k) · b(n,k)ᵀ on the packed GEMM cut by {@code plan}, whatever the size (no small path): for
     * benchmarks that compare register tiles and blocks on one machine. {@link #abT} uses {@link GemmPlan#current()}.
     */
    public static void abT(Tensor a, Tensor b, Tensor out, boolean accumulate, GemmPlan plan) {
        int m = a.rows(), k = a.cols(), n = b.rows();
        Checks.equal("abT", "inner dimension", b.cols(), k, a, b);
        Checks.output("abT", out, m, n);
        Gemm.multiply(plan, Operand.rowMajor(a.data(), a.offset(), k), Operand.transposed(b.data(), b.offset(), k), m, k, n, out.data(),
                out.offset(), n, accumulate);
    }

    /** out(m,n) (+)= A(m,k) · B(k,n) for operands already checked: small products unpacked, the rest packed. */
    static void multiply(Operand a, Operand b, int m, int k, int n, Tensor out, boolean accumulate) {
        multiply(a, b, null, m, k, n, out, accumulate);
    }

    /**
     * The one dispatcher: small and narrow products read B in place whether or not it was packed beforehand, so
     * a packed and an unpacked B give the same bits; the packed GEMM reads {@code packed} when given.
     */
    private static void multiply(Operand a, Operand b, PackedMatrix packed, int m, int k, int n, Tensor out, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (b.compact()) {
            // A compact B is decoded only by packing, so every product with it takes the packed GEMM.
            if (packed != null) Gemm.multiply(a, packed, m, out.data(), out.offset(), n, accumulate);
            else Gemm.multiply(a, b, m, k, n, out.data(), out.offset(), n, accumulate);
        } else if (SmallMatMul.suits(a, b, m, k, n)) {
            SmallMatMul.multiply(a, b, m, k, n, out.data(), out.offset(), n, accumulate);
        } else if (n < NARROW && m >= NARROW * MicroKernel.NR && a.rowsContiguous()) {
            // dy · B with B (k, n) a few columns wide (a LoRA up-factor): B's columns made contiguous (k·n floats)
            // turn it into n dot products per row, where the packed GEMM would pad every tile to NR columns.
            float[] bt = new float[k * n];
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bt[j * k + p] = b.data()[b.at(p, j)];
            SmallMatMul.multiply(a, Operand.transposed(bt, 0, k), m, k, n, out.data(), out.offset(), n, accumulate);
        } else if (n < NARROW && m >= NARROW * MicroKernel.NR && a.colsContiguous() && b.rowsContiguous()) {
            // aᵀ · b a few columns wide (a LoRA factor's gradient dyᵀ · u): Cᵀ = bᵀ · a is a few rows tall, which
            // the GEMM pads to MR rows only, and it packs a by plain row copies instead of transposing it.
            Tensor ct = Tensor.zeros(n, m);
            Gemm.multiply(b.transpose(), a.transpose(), n, k, m, ct.data(), 0, m, false);
            float[] c = out.data(), t = ct.data();
            for (int i = 0; i < m; i++) {
                int o = out.offset() + i * n;
                for (int j = 0; j < n; j++) c[o + j] = accumulate ? c[o + j] + t[j * m + i] : t[j * m + i];
            }
        } else if (packed != null) {
            Gemm.multiply(a, packed, m, out.data(), out.offset(), n, accumulate);
        } else {
            Gemm.multiply(a, b, m, k, n, out.data(), out.offset(), n, accumulate);
        }
    }

    /** Columns of C per register tile of the packed GEMM (two vectors of the preferred species). */
    public static int tileColumns() {
        return MicroKernel.NR;
    }

    /** Products fewer columns wide than this (and tall enough) take one of the narrow paths of {@link #multiply}. */
    private static final int NARROW = 16;

    /** out(m,n) (+)= a(m,k) · b(n,k)ᵀ, one dot product per output. */
    public static void abTScalar(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.rows();
        Checks.equal("abT", "inner dimension", b.cols(), k, a, b);
        Checks.output("abT", out, m, n);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += ad[a.offset() + i * k + p] * bd[b.offset() + j * k + p];
                int o = out.offset() + i * n + j;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    /** out(m,n) (+)= a(m,k) · b(k,n). */
    public static void abScalar(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int m = a.rows(), k = a.cols(), n = b.cols();
        Checks.equal("ab", "inner dimension", b.rows(), k, a, b);
        Checks.output("ab", out, m, n);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += ad[a.offset() + i * k + p] * bd[b.offset() + p * n + j];
                int o = out.offset() + i * n + j;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }

    /** out(m,n) (+)= a(k,m)ᵀ · b(k,n). */
    public static void aTbScalar(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int k = a.rows(), m = a.cols(), n = b.cols();
        Checks.equal("aTb", "inner dimension", b.rows(), k, a, b);
        Checks.output("aTb", out, m, n);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += ad[a.offset() + p * m + i] * bd[b.offset() + p * n + j];
                int o = out.offset() + i * n + j;
                od[o] = accumulate ? od[o] + sum : sum;
            }
        }
    }
}
