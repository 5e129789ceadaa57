package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unpacked products for attention heads, every operand read and written in place through a row stride, so a
 * head's slice of a wide (tokens, heads·headSize) matrix needs no gather, scatter or packing:
 * <ul>
 * <li>{@link #ab}: C(m, n) (+)= A(m, k) · B(k, n), e.g. O = P · V, dQ = dS · K, S = Q · (scaled Kᵀ);</li>
 * <li>{@link #aTb}: C(m, n) (+)= A(k, m)ᵀ · B(k, n), e.g. dV += Pᵀ · dO, dK += dSᵀ · Q, read as P's rows.</li>
 * </ul>
 * Both run register tiles on B's rows in place, A's entries broadcast straight from its rows (ab) or columns
 * (aTb): with 32 vector registers {@link HeadTiles}' 6 rows × four vectors, then the GEMM's {@link MicroKernel}
 * tiles (MR rows × two vectors, MR from the vector registers of the {@link Machine}). Packing would cost as much as it saves here: at head size 64 each packed float of P serves only
 * 64 output columns. Rows past the last full tile run a 4-row tile and then single rows; columns past the last
 * two-vector panel run masked vectors, so any head size is correct and multiples of 2·lanes are fastest.
 * Single-threaded: the caller splits work over heads.
 */
public final class HeadMatMul {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    private static final int V = MicroKernel.V;
    private static final int NR = MicroKernel.NR;
    /** Rows per main tile: 12 where 32 vector registers hold its 24 accumulators, else 6 (AVX2's 16). */
    static final int MR = Machine.current().registers() >= 32 ? MicroKernel.MR_LARGE : MicroKernel.MR_SMALL;
    /** Whether the 6-row, four-vector {@link HeadTiles} fit the registers (32: AVX-512, AArch64). */
    static final boolean WIDE = Machine.current().registers() >= 32;

    private HeadMatMul() {
    }

    /**
     * C(m, n) (+)= A(m, k) · B(k, n): A(i, p) = {@code a[aOff + i·lda + p]}, B(p, j) = {@code b[bOff + p·ldb + j]},
     * C(i, j) = {@code c[cOff + i·ldc + j]}; overwritten unless {@code accumulate}.
     */
    public static void ab(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n, boolean accumulate) {
        check(m, k, n);
        product(a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, m, k, n, accumulate);
    }

    /**
     * C(m, n) (+)= A(k, m)ᵀ · B(k, n): A(p, i) = {@code a[aOff + p·lda + i]}, B and C as in {@link #ab}; each step
     * p broadcasts a run of A's row p, so A is read along its rows.
     */
    public static void aTb(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n, boolean accumulate) {
        check(m, k, n);
        product(a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, m, k, n, accumulate);
    }

    /** The definition of {@link #ab}: plain loops. */
    public static void abScalar(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n, boolean accumulate) {
        productScalar(a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, m, k, n, accumulate);
    }

    /** The definition of {@link #aTb}: plain loops. */
    public static void aTbScalar(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
            int m, int k, int n, boolean accumulate) {
        productScalar(a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, m, k, n, accumulate);
    }

    private static void check(int m, int k, int n) {
        if (m < 0 || k < 0 || n < 0) throw new IllegalArgumentException("head product sizes must be non-negative: " + m + "x" + k + "x" + n);
    }

    /** A(i, p) = a[ao + i·ars + p·acs]. */
    private static void productScalar(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, float[] c, int co, int ldc,
            int m, int k, int n, boolean acc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s += a[ao + i * ars + p * acs] * b[bo + p * ldb + j];
                int at = co + i * ldc + j;
                c[at] = acc ? c[at] + s : s;
            }
        }
    }

    private static void product(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, float[] c, int co, int ldc,
            int m, int k, int n, boolean acc) {
        int j = 0;
        if (WIDE) {
            for (; j + HeadTiles.COLS <= n; j += HeadTiles.COLS) {
                int i = 0;
                for (; i + HeadTiles.ROWS <= m; i += HeadTiles.ROWS) {
                    HeadTiles.tile6x4(a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
                }
                if (i + 4 <= m) {
                    HeadTiles.tile4x4(a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
                    i += 4;
                }
                for (; i < m; i++) HeadTiles.tile1x4(a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
            }
        }
        for (; j + NR <= n; j += NR) panel(a, ao, ars, acs, b, bo, ldb, c, co, ldc, 0, m, k, j, acc);
        if (j < n) {
            for (int i = 0; i < m; i++) edge(a, ao + i * ars, acs, b, bo, ldb, k, j, n, c, co + i * ldc, acc);
        }
    }

    /** Rows [i, m) of the two-vector panel of C at column j: MR-row tiles, then a 6-, a 4-row tile and single rows. */
    private static void panel(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, float[] c, int co, int ldc,
            int i, int m, int k, int j, boolean acc) {
        for (; i + MR <= m; i += MR) MicroKernel.tile(MR, a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
        if (i + MicroKernel.MR_SMALL <= m) {
            MicroKernel.tile6(a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
            i += MicroKernel.MR_SMALL;
        }
        if (i + 4 <= m) {
            tile4(a, ao + i * ars, ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, ldc, acc);
            i += 4;
        }
        for (; i < m; i++) tile1(a, ao + i * ars, acs, b, bo + j, ldb, k, c, co + i * ldc + j, acc);
    }

    /** Four rows by two vectors of C: {@link MicroKernel#tile}'s order of operations with four rows. */
    private static void tile4(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int k, float[] c, int co, int ldc, boolean load) {
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + a1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + a2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + a3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // Stores written out, not through a helper: a FloatVector passed to a call the JIT does not inline is boxed.
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        if (load) {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + V));
            c10 = c10.add(FloatVector.fromArray(F, c, r1));
            c11 = c11.add(FloatVector.fromArray(F, c, r1 + V));
            c20 = c20.add(FloatVector.fromArray(F, c, r2));
            c21 = c21.add(FloatVector.fromArray(F, c, r2 + V));
            c30 = c30.add(FloatVector.fromArray(F, c, r3));
            c31 = c31.add(FloatVector.fromArray(F, c, r3 + V));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
    }

    /** One row by two vectors of C. */
    private static void tile1(float[] a, int ao, int acs, float[] b, int bo, int ldb, int k, float[] c, int co, boolean load) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0;
        for (int p = 0; p < k; p++) {
            int bi = bo + p * ldb;
            FloatVector x = FloatVector.broadcast(F, a[ao + p * acs]);
            c0 = x.fma(FloatVector.fromArray(F, b, bi), c0);
            c1 = x.fma(FloatVector.fromArray(F, b, bi + V), c1);
        }
        if (load) {
            c0 = c0.add(FloatVector.fromArray(F, c, co));
            c1 = c1.add(FloatVector.fromArray(F, c, co + V));
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + V);
    }

    /** Columns [from, n) of one row of C (fewer than two vectors), masked at the end. */
    private static void edge(float[] a, int ao, int acs, float[] b, int bo, int ldb, int k, int from, int n, float[] c, int co, boolean load) {
        for (int j = from; j < n; j += V) {
            VectorMask<Float> in = F.indexInRange(j, n);
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < k; p++) {
                s = FloatVector.broadcast(F, a[ao + p * acs]).fma(FloatVector.fromArray(F, b, bo + p * ldb + j, in), s);
            }
            if (load) s = s.add(FloatVector.fromArray(F, c, co + j, in));
            s.intoArray(c, co + j, in);
        }
    }
}
