package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernels of the GEMM: one MR x NR tile of C (+)= Ap · Bp over kc steps, where Ap is
 * a packed A panel (kc x MR, {@code Ap[p*MR + r]}) or MR rows of A read in place, and Bp a packed B panel (kc x
 * NR, {@code Bp[p*NR + c]}, see {@link Packing}) or a row-major B read in place. NR is two vectors of the
 * preferred species, so the tile is MR x 2 accumulators. Two tiles: MR = 12 (24 accumulators + 2 B vectors + a
 * broadcast in the 32 registers of AVX-512: each B load serves twice the FMAs) and MR = 6 (12 + 2 + 1 within
 * the 16 registers of AVX2); {@link GemmPlan#forMachine} picks one.
 *
 * <p>Why they are written out by hand: C2 keeps a {@code FloatVector} in a register only while every use is
 * inlined and intrinsified. So the accumulators are locals of one method, array indices are computed from p
 * (no pointer bumping), each step does two B loads, MR broadcasts of A and 2·MR FMAs, and there are no
 * masked loads or stores: edge tiles go through a scratch tile ({@link Gemm}). These tiles take every stride at
 * run time, which keeps range checks in the hot loop; the GEMM's common case (B a packed panel) runs on the
 * constant-stride copies in {@link PackedTiles}, and these serve B read in place and define the order of
 * operations the copies follow.
 */
final class MicroKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int V = F.length();
    /** Rows of C per tile of the 16-register kernel, also the fewest rows the packed GEMM is worth calling for. */
    static final int MR_SMALL = 6;
    /** Rows of C per tile of the 32-register kernel. */
    static final int MR_LARGE = 12;
    /** The most rows of any tile (scratch tiles are this tall). */
    static final int MR_MAX = MR_LARGE;
    /** Columns of C per tile: two vectors. */
    static final int NR = 2 * V;

    private MicroKernel() {
    }

    /**
     * C[r, c] (+)= Σ_p A(r, p) · B(p, c) for the full tile r < mr, c < NR, where A(r, p) is
     * {@code a[ao + r*ars + p*acs]} (a packed panel: ars = 1, acs = mr; rows read in place: ars = lda, acs = 1),
     * B(p, c) is {@code b[bo + p*ldb + c]} (a packed panel: ldb = NR; a row-major B read in place: its row stride)
     * and C[r, c] is {@code c[co + r*ldc + c]}; with {@code load} the tile's old values are added, otherwise
     * overwritten. {@code mr} is {@link #MR_SMALL} or {@link #MR_LARGE}.
     */
    static void tile(int mr, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        if (mr == MR_LARGE) tile12(a, ao, ars, acs, b, bo, ldb, kc, c, co, ldc, load);
        else tile6(a, ao, ars, acs, b, bo, ldb, kc, c, co, ldc, load);
    }

    /** {@link #tile} for a tile of 12 rows. */
    static void tile12(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        int a1 = 1 * ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars, a8 = 8 * ars, a9 = 9 * ars, a10 = 10 * ars, a11 = 11 * ars;
        FloatVector c000 = FloatVector.zero(F);
        FloatVector c001 = c000, c010 = c000, c011 = c000, c020 = c000, c021 = c000, c030 = c000;
        FloatVector c031 = c000, c040 = c000, c041 = c000, c050 = c000, c051 = c000, c060 = c000;
        FloatVector c061 = c000, c070 = c000, c071 = c000, c080 = c000, c081 = c000, c090 = c000;
        FloatVector c091 = c000, c100 = c000, c101 = c000, c110 = c000, c111 = c000;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c000 = x.fma(b0, c000);
            c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(F, a[ai + a1]);
            c010 = x.fma(b0, c010);
            c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(F, a[ai + a2]);
            c020 = x.fma(b0, c020);
            c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(F, a[ai + a3]);
            c030 = x.fma(b0, c030);
            c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(F, a[ai + a4]);
            c040 = x.fma(b0, c040);
            c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(F, a[ai + a5]);
            c050 = x.fma(b0, c050);
            c051 = x.fma(b1, c051);
            x = FloatVector.broadcast(F, a[ai + a6]);
            c060 = x.fma(b0, c060);
            c061 = x.fma(b1, c061);
            x = FloatVector.broadcast(F, a[ai + a7]);
            c070 = x.fma(b0, c070);
            c071 = x.fma(b1, c071);
            x = FloatVector.broadcast(F, a[ai + a8]);
            c080 = x.fma(b0, c080);
            c081 = x.fma(b1, c081);
            x = FloatVector.broadcast(F, a[ai + a9]);
            c090 = x.fma(b0, c090);
            c091 = x.fma(b1, c091);
            x = FloatVector.broadcast(F, a[ai + a10]);
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(F, a[ai + a11]);
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
        }
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc, r8 = r7 + ldc, r9 = r8 + ldc, r10 = r9 + ldc, r11 = r10 + ldc;
        if (load) {
            c000 = c000.add(FloatVector.fromArray(F, c, co));
            c001 = c001.add(FloatVector.fromArray(F, c, co + V));
            c010 = c010.add(FloatVector.fromArray(F, c, r1));
            c011 = c011.add(FloatVector.fromArray(F, c, r1 + V));
            c020 = c020.add(FloatVector.fromArray(F, c, r2));
            c021 = c021.add(FloatVector.fromArray(F, c, r2 + V));
            c030 = c030.add(FloatVector.fromArray(F, c, r3));
            c031 = c031.add(FloatVector.fromArray(F, c, r3 + V));
            c040 = c040.add(FloatVector.fromArray(F, c, r4));
            c041 = c041.add(FloatVector.fromArray(F, c, r4 + V));
            c050 = c050.add(FloatVector.fromArray(F, c, r5));
            c051 = c051.add(FloatVector.fromArray(F, c, r5 + V));
            c060 = c060.add(FloatVector.fromArray(F, c, r6));
            c061 = c061.add(FloatVector.fromArray(F, c, r6 + V));
            c070 = c070.add(FloatVector.fromArray(F, c, r7));
            c071 = c071.add(FloatVector.fromArray(F, c, r7 + V));
            c080 = c080.add(FloatVector.fromArray(F, c, r8));
            c081 = c081.add(FloatVector.fromArray(F, c, r8 + V));
            c090 = c090.add(FloatVector.fromArray(F, c, r9));
            c091 = c091.add(FloatVector.fromArray(F, c, r9 + V));
            c100 = c100.add(FloatVector.fromArray(F, c, r10));
            c101 = c101.add(FloatVector.fromArray(F, c, r10 + V));
            c110 = c110.add(FloatVector.fromArray(F, c, r11));
            c111 = c111.add(FloatVector.fromArray(F, c, r11 + V));
        }
        c000.intoArray(c, co);
        c001.intoArray(c, co + V);
        c010.intoArray(c, r1);
        c011.intoArray(c, r1 + V);
        c020.intoArray(c, r2);
        c021.intoArray(c, r2 + V);
        c030.intoArray(c, r3);
        c031.intoArray(c, r3 + V);
        c040.intoArray(c, r4);
        c041.intoArray(c, r4 + V);
        c050.intoArray(c, r5);
        c051.intoArray(c, r5 + V);
        c060.intoArray(c, r6);
        c061.intoArray(c, r6 + V);
        c070.intoArray(c, r7);
        c071.intoArray(c, r7 + V);
        c080.intoArray(c, r8);
        c081.intoArray(c, r8 + V);
        c090.intoArray(c, r9);
        c091.intoArray(c, r9 + V);
        c100.intoArray(c, r10);
        c101.intoArray(c, r10 + V);
        c110.intoArray(c, r11);
        c111.intoArray(c, r11 + V);
    }

    /** {@link #tile} for a tile of 6 rows. */
    static void tile6(float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        int a1 = 1 * ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars;
        FloatVector c000 = FloatVector.zero(F);
        FloatVector c001 = c000, c010 = c000, c011 = c000, c020 = c000, c021 = c000, c030 = c000;
        FloatVector c031 = c000, c040 = c000, c041 = c000, c050 = c000, c051 = c000;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * ldb;
            int ai = ao + p * acs;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c000 = x.fma(b0, c000);
            c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(F, a[ai + a1]);
            c010 = x.fma(b0, c010);
            c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(F, a[ai + a2]);
            c020 = x.fma(b0, c020);
            c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(F, a[ai + a3]);
            c030 = x.fma(b0, c030);
            c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(F, a[ai + a4]);
            c040 = x.fma(b0, c040);
            c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(F, a[ai + a5]);
            c050 = x.fma(b0, c050);
            c051 = x.fma(b1, c051);
        }
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        if (load) {
            c000 = c000.add(FloatVector.fromArray(F, c, co));
            c001 = c001.add(FloatVector.fromArray(F, c, co + V));
            c010 = c010.add(FloatVector.fromArray(F, c, r1));
            c011 = c011.add(FloatVector.fromArray(F, c, r1 + V));
            c020 = c020.add(FloatVector.fromArray(F, c, r2));
            c021 = c021.add(FloatVector.fromArray(F, c, r2 + V));
            c030 = c030.add(FloatVector.fromArray(F, c, r3));
            c031 = c031.add(FloatVector.fromArray(F, c, r3 + V));
            c040 = c040.add(FloatVector.fromArray(F, c, r4));
            c041 = c041.add(FloatVector.fromArray(F, c, r4 + V));
            c050 = c050.add(FloatVector.fromArray(F, c, r5));
            c051 = c051.add(FloatVector.fromArray(F, c, r5 + V));
        }
        c000.intoArray(c, co);
        c001.intoArray(c, co + V);
        c010.intoArray(c, r1);
        c011.intoArray(c, r1 + V);
        c020.intoArray(c, r2);
        c021.intoArray(c, r2 + V);
        c030.intoArray(c, r3);
        c031.intoArray(c, r3 + V);
        c040.intoArray(c, r4);
        c041.intoArray(c, r4 + V);
        c050.intoArray(c, r5);
        c051.intoArray(c, r5 + V);
    }

    /** The definition of {@link #tile}, one multiply-add at a time; tests compare against it. */
    static void tileScalar(int mr, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc,
                           boolean load) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0; j < NR; j++) {
                float sum = 0f;
                for (int p = 0; p < kc; p++) sum += a[ao + r * ars + p * acs] * b[bo + p * ldb + j];
                int o = co + r * ldc + j;
                c[o] = load ? c[o] + sum : sum;
            }
        }
    }
}
