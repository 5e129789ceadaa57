package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link MicroKernel} tiles for the common case, B a packed panel (element (p, c) at {@code bo + p*NR + c}),
 * with every stride a compile-time constant or 1: C2 removes an array's range checks from a loop only where
 * the index is the loop variable times a constant plus an invariant, and {@link MicroKernel#tile}'s run-time
 * strides kept eight checks (compare and branch) per step of k in its hot loop. A is a packed panel, one kernel per
 * tile height ({@code panel6}, {@code panel12}); the GEMM packs A in every layout (see {@link Gemm}).
 * Same arithmetic, in the same order, as {@link MicroKernel#tile}: results are identical bit for bit.
 */
final class PackedTiles {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    private static final int V = MicroKernel.V;
    private static final int NR = MicroKernel.NR;

    private PackedTiles() {
    }

    /** A packed panel of {@code mr} rows times a packed B panel: {@link MicroKernel#tile} with ars = 1, acs = mr, ldb = NR. */
    static void panel(int mr, float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean load) {
        if (mr == MicroKernel.MR_LARGE) panel12(a, ao, b, bo, kc, c, co, ldc, load);
        else panel6(a, ao, b, bo, kc, c, co, ldc, load);
    }

    /** A packed panel of 6 rows (element (r, p) at {@code ao + p*6 + r}) times a packed B panel. */
    static void panel6(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean load) {
        FloatVector c0x0 = FloatVector.zero(F);
        FloatVector c0x1 = c0x0, c1x0 = c0x0, c1x1 = c0x0, c2x0 = c0x0, c2x1 = c0x0, c3x0 = c0x0, c3x1 = c0x0, c4x0 = c0x0;
        FloatVector c4x1 = c0x0, c5x0 = c0x0, c5x1 = c0x0;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * 6;
            FloatVector b0 = FloatVector.fromArray(F, b, bi), b1 = FloatVector.fromArray(F, b, bi + V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c0x0 = x.fma(b0, c0x0);
            c0x1 = x.fma(b1, c0x1);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c1x0 = x.fma(b0, c1x0);
            c1x1 = x.fma(b1, c1x1);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c2x0 = x.fma(b0, c2x0);
            c2x1 = x.fma(b1, c2x1);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c3x0 = x.fma(b0, c3x0);
            c3x1 = x.fma(b1, c3x1);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c4x0 = x.fma(b0, c4x0);
            c4x1 = x.fma(b1, c4x1);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c5x0 = x.fma(b0, c5x0);
            c5x1 = x.fma(b1, c5x1);
        }
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        if (load) {
            c0x0 = c0x0.add(FloatVector.fromArray(F, c, co));
            c0x1 = c0x1.add(FloatVector.fromArray(F, c, co + V));
            c1x0 = c1x0.add(FloatVector.fromArray(F, c, r1));
            c1x1 = c1x1.add(FloatVector.fromArray(F, c, r1 + V));
            c2x0 = c2x0.add(FloatVector.fromArray(F, c, r2));
            c2x1 = c2x1.add(FloatVector.fromArray(F, c, r2 + V));
            c3x0 = c3x0.add(FloatVector.fromArray(F, c, r3));
            c3x1 = c3x1.add(FloatVector.fromArray(F, c, r3 + V));
            c4x0 = c4x0.add(FloatVector.fromArray(F, c, r4));
            c4x1 = c4x1.add(FloatVector.fromArray(F, c, r4 + V));
            c5x0 = c5x0.add(FloatVector.fromArray(F, c, r5));
            c5x1 = c5x1.add(FloatVector.fromArray(F, c, r5 + V));
        }
        c0x0.intoArray(c, co);
        c0x1.intoArray(c, co + V);
        c1x0.intoArray(c, r1);
        c1x1.intoArray(c, r1 + V);
        c2x0.intoArray(c, r2);
        c2x1.intoArray(c, r2 + V);
        c3x0.intoArray(c, r3);
        c3x1.intoArray(c, r3 + V);
        c4x0.intoArray(c, r4);
        c4x1.intoArray(c, r4 + V);
        c5x0.intoArray(c, r5);
        c5x1.intoArray(c, r5 + V);
    }

    /** A packed panel of 12 rows (element (r, p) at {@code ao + p*12 + r}) times a packed B panel. */
    static void panel12(float[] a, int ao, float[] b, int bo, int kc, float[] c, int co, int ldc, boolean load) {
        FloatVector c0x0 = FloatVector.zero(F);
        FloatVector c0x1 = c0x0, c1x0 = c0x0, c1x1 = c0x0, c2x0 = c0x0, c2x1 = c0x0, c3x0 = c0x0, c3x1 = c0x0, c4x0 = c0x0;
        FloatVector c4x1 = c0x0, c5x0 = c0x0, c5x1 = c0x0, c6x0 = c0x0, c6x1 = c0x0, c7x0 = c0x0, c7x1 = c0x0, c8x0 = c0x0;
        FloatVector c8x1 = c0x0, c9x0 = c0x0, c9x1 = c0x0, c10x0 = c0x0, c10x1 = c0x0, c11x0 = c0x0, c11x1 = c0x0;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * 12;
            FloatVector b0 = FloatVector.fromArray(F, b, bi), b1 = FloatVector.fromArray(F, b, bi + V);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c0x0 = x.fma(b0, c0x0);
            c0x1 = x.fma(b1, c0x1);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c1x0 = x.fma(b0, c1x0);
            c1x1 = x.fma(b1, c1x1);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c2x0 = x.fma(b0, c2x0);
            c2x1 = x.fma(b1, c2x1);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c3x0 = x.fma(b0, c3x0);
            c3x1 = x.fma(b1, c3x1);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c4x0 = x.fma(b0, c4x0);
            c4x1 = x.fma(b1, c4x1);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c5x0 = x.fma(b0, c5x0);
            c5x1 = x.fma(b1, c5x1);
            x = FloatVector.broadcast(F, a[ai + 6]);
            c6x0 = x.fma(b0, c6x0);
            c6x1 = x.fma(b1, c6x1);
            x = FloatVector.broadcast(F, a[ai + 7]);
            c7x0 = x.fma(b0, c7x0);
            c7x1 = x.fma(b1, c7x1);
            x = FloatVector.broadcast(F, a[ai + 8]);
            c8x0 = x.fma(b0, c8x0);
            c8x1 = x.fma(b1, c8x1);
            x = FloatVector.broadcast(F, a[ai + 9]);
            c9x0 = x.fma(b0, c9x0);
            c9x1 = x.fma(b1, c9x1);
            x = FloatVector.broadcast(F, a[ai + 10]);
            c10x0 = x.fma(b0, c10x0);
            c10x1 = x.fma(b1, c10x1);
            x = FloatVector.broadcast(F, a[ai + 11]);
            c11x0 = x.fma(b0, c11x0);
            c11x1 = x.fma(b1, c11x1);
        }
        int r1 = co + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc, r8 = r7 + ldc, r9 = r8 + ldc, r10 = r9 + ldc, r11 = r10 + ldc;
        if (load) {
            c0x0 = c0x0.add(FloatVector.fromArray(F, c, co));
            c0x1 = c0x1.add(FloatVector.fromArray(F, c, co + V));
            c1x0 = c1x0.add(FloatVector.fromArray(F, c, r1));
            c1x1 = c1x1.add(FloatVector.fromArray(F, c, r1 + V));
            c2x0 = c2x0.add(FloatVector.fromArray(F, c, r2));
            c2x1 = c2x1.add(FloatVector.fromArray(F, c, r2 + V));
            c3x0 = c3x0.add(FloatVector.fromArray(F, c, r3));
            c3x1 = c3x1.add(FloatVector.fromArray(F, c, r3 + V));
            c4x0 = c4x0.add(FloatVector.fromArray(F, c, r4));
            c4x1 = c4x1.add(FloatVector.fromArray(F, c, r4 + V));
            c5x0 = c5x0.add(FloatVector.fromArray(F, c, r5));
            c5x1 = c5x1.add(FloatVector.fromArray(F, c, r5 + V));
            c6x0 = c6x0.add(FloatVector.fromArray(F, c, r6));
            c6x1 = c6x1.add(FloatVector.fromArray(F, c, r6 + V));
            c7x0 = c7x0.add(FloatVector.fromArray(F, c, r7));
            c7x1 = c7x1.add(FloatVector.fromArray(F, c, r7 + V));
            c8x0 = c8x0.add(FloatVector.fromArray(F, c, r8));
            c8x1 = c8x1.add(FloatVector.fromArray(F, c, r8 + V));
            c9x0 = c9x0.add(FloatVector.fromArray(F, c, r9));
            c9x1 = c9x1.add(FloatVector.fromArray(F, c, r9 + V));
            c10x0 = c10x0.add(FloatVector.fromArray(F, c, r10));
            c10x1 = c10x1.add(FloatVector.fromArray(F, c, r10 + V));
            c11x0 = c11x0.add(FloatVector.fromArray(F, c, r11));
            c11x1 = c11x1.add(FloatVector.fromArray(F, c, r11 + V));
        }
        c0x0.intoArray(c, co);
        c0x1.intoArray(c, co + V);
        c1x0.intoArray(c, r1);
        c1x1.intoArray(c, r1 + V);
        c2x0.intoArray(c, r2);
        c2x1.intoArray(c, r2 + V);
        c3x0.intoArray(c, r3);
        c3x1.intoArray(c, r3 + V);
        c4x0.intoArray(c, r4);
        c4x1.intoArray(c, r4 + V);
        c5x0.intoArray(c, r5);
        c5x1.intoArray(c, r5 + V);
        c6x0.intoArray(c, r6);
        c6x1.intoArray(c, r6 + V);
        c7x0.intoArray(c, r7);
        c7x1.intoArray(c, r7 + V);
        c8x0.intoArray(c, r8);
        c8x1.intoArray(c, r8 + V);
        c9x0.intoArray(c, r9);
        c9x1.intoArray(c, r9 + V);
        c10x0.intoArray(c, r10);
        c10x1.intoArray(c, r10 + V);
        c11x0.intoArray(c, r11);
        c11x1.intoArray(c, r11 + V);
    }
}
