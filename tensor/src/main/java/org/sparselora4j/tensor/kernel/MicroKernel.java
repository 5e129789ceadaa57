package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of the GEMM: one MR x NR tile of C (+)= Ap · Bp over kc steps, where Ap is
 * a packed A panel (kc x MR, {@code Ap[p*MR + r]}) and Bp a packed B panel (kc x NR, {@code Bp[p*NR + c]}),
 * see {@link Packing}. NR is two vectors of the preferred species, so the tile is MR x 2 accumulators.
 *
 * <p>Why it is written out by hand: C2 keeps a {@code FloatVector} in a register only while every use is
 * inlined and intrinsified. So the twelve accumulators are locals of this one method, array indices are
 * computed from p (no pointer bumping), each step does two B loads, six broadcasts of A and twelve FMAs, and
 * there are no masked loads or stores: edge tiles go through a scratch tile ({@link Gemm}). MR = 6 keeps
 * 12 accumulators + 2 B vectors + 1 broadcast within the 16 registers of AVX2 as well as AVX-512's 32.
 */
final class MicroKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int V = F.length();
    /** Rows of C per tile. */
    static final int MR = 6;
    /** Columns of C per tile: two vectors. */
    static final int NR = 2 * V;

    private MicroKernel() {
    }

    /**
     * C[r, c] (+)= Σ_p A(r, p) · B(p, c) for the full tile r < MR, c < NR, where A(r, p) is
     * {@code a[ao + r*ars + p*acs]} (a packed panel: ars = 1, acs = MR; rows read in place: ars = lda, acs = 1),
     * B(p, c) is {@code b[bo + p*ldb + c]} (a packed panel: ldb = NR; a row-major B read in place: its row stride)
     * and C[r, c] is {@code c[co + r*ldc + c]}; with {@code load} the tile's old values are added, otherwise
     * overwritten.
     */
    static void tile(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
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
            x = FloatVector.broadcast(F, a[ai + a4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + a5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        if (load) {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + V));
            c10 = c10.add(FloatVector.fromArray(F, c, r1));
            c11 = c11.add(FloatVector.fromArray(F, c, r1 + V));
            c20 = c20.add(FloatVector.fromArray(F, c, r2));
            c21 = c21.add(FloatVector.fromArray(F, c, r2 + V));
            c30 = c30.add(FloatVector.fromArray(F, c, r3));
            c31 = c31.add(FloatVector.fromArray(F, c, r3 + V));
            c40 = c40.add(FloatVector.fromArray(F, c, r4));
            c41 = c41.add(FloatVector.fromArray(F, c, r4 + V));
            c50 = c50.add(FloatVector.fromArray(F, c, r5));
            c51 = c51.add(FloatVector.fromArray(F, c, r5 + V));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + V);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + V);
    }

    /** The definition of {@link #tile}, one multiply-add at a time; tests compare against it. */
    static void tileScalar(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        for (int r = 0; r < MR; r++) {
            for (int j = 0; j < NR; j++) {
                float sum = 0f;
                for (int p = 0; p < kc; p++) sum += a[ao + r * ars + p * acs] * b[bo + p * ldb + j];
                int o = co + r * ldc + j;
                c[o] = load ? c[o] + sum : sum;
            }
        }
    }
}
