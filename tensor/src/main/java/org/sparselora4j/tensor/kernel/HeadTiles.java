package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Wider register tiles for {@link HeadMatMul} where 32 vector registers allow them: rows by four vectors of C.
 * The 6-row tile holds 24 accumulators, four B vectors and a broadcast (29 registers), so each step loads B's
 * row once for 24 FMAs and broadcasts only 6 entries of A, against 12 for {@link MicroKernel}'s 12-row,
 * two-vector tile; at head size 64 with 16 lanes a tile spans the head's whole width. The 4- and 1-row tiles
 * finish the rows a 6-row tile leaves (64 = 10·6 + 4). Same addressing as {@link MicroKernel#tile}; stores are
 * written out, not put in a helper, since a FloatVector passed to a call the JIT does not inline is boxed.
 */
final class HeadTiles {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    private static final int V = MicroKernel.V;
    /** Rows of C per main tile. */
    static final int ROWS = 6;
    /** Columns of C per tile: four vectors. */
    static final int COLS = 4 * V;

    private HeadTiles() {
    }

    /**
     * C[r, c] (+)= Σ_p A(r, p) · B(p, c) for r < 6, c < 4·V: A(r, p) = {@code a[ao + r*ars + p*acs]},
     * B(p, c) = {@code b[bo + p*ldb + c]}, C[r, c] = {@code c[co + r*ldc + c]}; with {@code load} C's old values
     * are added.
     */
    static void tile6x4(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        int a1 = 1 * ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + 1 * V);
            FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * V);
            FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[ai + a1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, a[ai + a2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, a[ai + a3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(F, a[ai + a4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(F, a[ai + a5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        int r1 = co + 1 * ldc, r2 = co + 2 * ldc, r3 = co + 3 * ldc, r4 = co + 4 * ldc, r5 = co + 5 * ldc;
        if (load) {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + 1 * V));
            c02 = c02.add(FloatVector.fromArray(F, c, co + 2 * V));
            c03 = c03.add(FloatVector.fromArray(F, c, co + 3 * V));
            c10 = c10.add(FloatVector.fromArray(F, c, r1));
            c11 = c11.add(FloatVector.fromArray(F, c, r1 + 1 * V));
            c12 = c12.add(FloatVector.fromArray(F, c, r1 + 2 * V));
            c13 = c13.add(FloatVector.fromArray(F, c, r1 + 3 * V));
            c20 = c20.add(FloatVector.fromArray(F, c, r2));
            c21 = c21.add(FloatVector.fromArray(F, c, r2 + 1 * V));
            c22 = c22.add(FloatVector.fromArray(F, c, r2 + 2 * V));
            c23 = c23.add(FloatVector.fromArray(F, c, r2 + 3 * V));
            c30 = c30.add(FloatVector.fromArray(F, c, r3));
            c31 = c31.add(FloatVector.fromArray(F, c, r3 + 1 * V));
            c32 = c32.add(FloatVector.fromArray(F, c, r3 + 2 * V));
            c33 = c33.add(FloatVector.fromArray(F, c, r3 + 3 * V));
            c40 = c40.add(FloatVector.fromArray(F, c, r4));
            c41 = c41.add(FloatVector.fromArray(F, c, r4 + 1 * V));
            c42 = c42.add(FloatVector.fromArray(F, c, r4 + 2 * V));
            c43 = c43.add(FloatVector.fromArray(F, c, r4 + 3 * V));
            c50 = c50.add(FloatVector.fromArray(F, c, r5));
            c51 = c51.add(FloatVector.fromArray(F, c, r5 + 1 * V));
            c52 = c52.add(FloatVector.fromArray(F, c, r5 + 2 * V));
            c53 = c53.add(FloatVector.fromArray(F, c, r5 + 3 * V));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + 1 * V);
        c02.intoArray(c, co + 2 * V);
        c03.intoArray(c, co + 3 * V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 1 * V);
        c12.intoArray(c, r1 + 2 * V);
        c13.intoArray(c, r1 + 3 * V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 1 * V);
        c22.intoArray(c, r2 + 2 * V);
        c23.intoArray(c, r2 + 3 * V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 1 * V);
        c32.intoArray(c, r3 + 2 * V);
        c33.intoArray(c, r3 + 3 * V);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + 1 * V);
        c42.intoArray(c, r4 + 2 * V);
        c43.intoArray(c, r4 + 3 * V);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + 1 * V);
        c52.intoArray(c, r5 + 2 * V);
        c53.intoArray(c, r5 + 3 * V);
    }

    /** {@link #tile6x4} for 4 rows. */
    static void tile4x4(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        int a1 = 1 * ars, a2 = 2 * ars, a3 = 3 * ars;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + 1 * V);
            FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * V);
            FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[ai + a1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, a[ai + a2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, a[ai + a3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
        }
        int r1 = co + 1 * ldc, r2 = co + 2 * ldc, r3 = co + 3 * ldc;
        if (load) {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + 1 * V));
            c02 = c02.add(FloatVector.fromArray(F, c, co + 2 * V));
            c03 = c03.add(FloatVector.fromArray(F, c, co + 3 * V));
            c10 = c10.add(FloatVector.fromArray(F, c, r1));
            c11 = c11.add(FloatVector.fromArray(F, c, r1 + 1 * V));
            c12 = c12.add(FloatVector.fromArray(F, c, r1 + 2 * V));
            c13 = c13.add(FloatVector.fromArray(F, c, r1 + 3 * V));
            c20 = c20.add(FloatVector.fromArray(F, c, r2));
            c21 = c21.add(FloatVector.fromArray(F, c, r2 + 1 * V));
            c22 = c22.add(FloatVector.fromArray(F, c, r2 + 2 * V));
            c23 = c23.add(FloatVector.fromArray(F, c, r2 + 3 * V));
            c30 = c30.add(FloatVector.fromArray(F, c, r3));
            c31 = c31.add(FloatVector.fromArray(F, c, r3 + 1 * V));
            c32 = c32.add(FloatVector.fromArray(F, c, r3 + 2 * V));
            c33 = c33.add(FloatVector.fromArray(F, c, r3 + 3 * V));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + 1 * V);
        c02.intoArray(c, co + 2 * V);
        c03.intoArray(c, co + 3 * V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 1 * V);
        c12.intoArray(c, r1 + 2 * V);
        c13.intoArray(c, r1 + 3 * V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 1 * V);
        c22.intoArray(c, r2 + 2 * V);
        c23.intoArray(c, r2 + 3 * V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 1 * V);
        c32.intoArray(c, r3 + 2 * V);
        c33.intoArray(c, r3 + 3 * V);
    }

    /** {@link #tile6x4} for 1 row. */
    static void tile1x4(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c02 = c00, c03 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + 1 * V);
            FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * V);
            FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
        }
        if (load) {
            c00 = c00.add(FloatVector.fromArray(F, c, co));
            c01 = c01.add(FloatVector.fromArray(F, c, co + 1 * V));
            c02 = c02.add(FloatVector.fromArray(F, c, co + 2 * V));
            c03 = c03.add(FloatVector.fromArray(F, c, co + 3 * V));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + 1 * V);
        c02.intoArray(c, co + 2 * V);
        c03.intoArray(c, co + 3 * V);
    }
}
