package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Parallel;

import java.util.Arrays;

/**
 * The blocked, packed GEMM core behind every large matmul: C(m,n) (+)= A(m,k) · B(k,n), where A and B are
 * {@link Operand}s (any layout, optionally gathered) and C is row-major with {@code ldc} floats per row.
 *
 * <p>Loop nest (Goto/BLIS): for each block of NC columns and KC steps of k, pack that B block (kc x nc, up to
 * 3 MB, lives in L3) once; for each block of MC rows (mc x kc, 360 KB, lives in the 1 MB L2 of a Zen core)
 * sweep {@link MicroKernel} tiles, each B panel (kc x NR, 48 KB) held in L1 while MR-row strips of A stream
 * from L2. A is read in place when its rows are contiguous along k (every layout but aTb and a gather of x's
 * columns), otherwise packed block by block. C is read and written once per KC step. Work is split over
 * {@link Parallel#current()} by whole panels of columns (so B is packed once in all) unless there are too
 * few of them to share; each thread packs into its own scratch buffers, kept between calls. A B packed
 * beforehand ({@link PackedMatrix}, a frozen weight) is read in place of that packing, block by block.
 */
final class Gemm {
    private static final int MR = MicroKernel.MR;
    private static final int NR = MicroKernel.NR;
    /**
     * Steps of k per packed block. A B panel (KC x NR, 48 KB) now fills L1 and partly streams from L2, which
     * keeps up with the kernel; the larger KC means fewer passes over C, and k = 384 (a 50% gather of 768
     * channels) fits one block: at keep 0.5 that took gathered/dense time from about 0.53 to 0.48 (KC = 256).
     */
    static final int KC = 384;
    /** Rows per A block (a multiple of MR): MC x KC floats (360 KB) stay in the 1 MB L2. */
    static final int MC = 40 * MR;
    /** Blocks of at most this many rows of C read a row-major B in place instead of packing it. */
    static final int SHORT = 2 * MR;
    /** Columns per packed B block (a multiple of NR). */
    static final int NC = 2048 / NR * NR;

    /** Per-thread packing buffers, grown on first use and then reused. */
    private static final class Scratch {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Gemm() {
    }

    /** C(m,n) (+)= A(m,k) · B(k,n) with C at {@code c[cOff + i*ldc + j]}, split over the current threads. */
    static void multiply(Operand a, Operand b, int m, int k, int n, float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(a, b, null, m, k, n, c, cOff, ldc, accumulate);
    }

    /** The same product with B packed beforehand: no block of B is packed during the call. */
    static void multiply(Operand a, PackedMatrix b, int m, float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(a, b.source(), b, m, b.k(), b.n(), c, cOff, ldc, accumulate);
    }

    private static void multiply(Operand a, Operand b, PackedMatrix packed, int m, int k, int n, float[] c, int cOff, int ldc,
                                 boolean accumulate) {
        Parallel parallel = Parallel.current();
        int threads = parallel.threads();
        int nPanels = (n + NR - 1) / NR, mPanels = (m + MR - 1) / MR;
        // Columns split evenly enough (at most 10% idle) win: B is then packed once in all, not once per thread.
        int perThread = (nPanels + threads - 1) / threads;
        if (10L * perThread * threads <= 11L * nPanels || nPanels >= mPanels) {
            parallel.forRange(n, NR, (j0, j1) -> block(a, b, packed, 0, m, j0, j1, k, c, cOff, ldc, accumulate));
        } else {
            parallel.forRange(m, MR, (i0, i1) -> block(a, b, packed, i0, i1, 0, n, k, c, cOff, ldc, accumulate));
        }
    }

    /** Steps of k per block for an inner dimension of k: equal blocks of at most KC (k = 400 gives 2 x 200, not 384 + 16). */
    static int kStep(int k) {
        int kBlocks = Math.max(1, (k + KC - 1) / KC);
        return (k + kBlocks - 1) / kBlocks;
    }

    /** The serial GEMM on rows [i0, i1) and columns [j0, j1) of C. */
    static void block(Operand a, Operand b, int i0, int i1, int j0, int j1, int k,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        block(a, b, null, i0, i1, j0, j1, k, c, cOff, ldc, accumulate);
    }

    /** {@link #block(Operand, Operand, int, int, int, int, int, float[], int, int, boolean)}, B read from {@code packed} when given. */
    private static void block(Operand a, Operand b, PackedMatrix packed, int i0, int i1, int j0, int j1, int k,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        if (k == 0) {
            if (!accumulate) {
                for (int i = i0; i < i1; i++) Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
            }
            return;
        }
        Scratch s = SCRATCH.get();
        // A with rows contiguous along k (abT, ab and the gathers of w) needs no packing: the kernel reads
        // its MR rows in place, which saves a transposing copy of all of A per thread.
        boolean direct = a.colStride() == 1 && a.rowIndex() == null && a.colIndex() == null;
        // A short block (a LoRA factor's gradient: r rows of C) uses each element of B once or twice, so packing B
        // would cost as much as the product: a row-major B is read where it lies.
        boolean inPlaceB = packed == null && i1 - i0 <= SHORT && b.rowsContiguous() && b.rowIndex() == null && !b.compact();
        int kStep = kStep(k);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kStep) {
                int kc = Math.min(kStep, k - pc);
                boolean load = accumulate || pc > 0;
                // Where panel jr of this B block starts (bo + jr · step) and the stride of its rows (ldb).
                float[] bp;
                int bo, step, ldb;
                if (packed != null) {
                    // The threads split columns by whole panels, so jc starts a panel of the packing.
                    if (jc % NR != 0) throw new IllegalStateException("column block at " + jc + " does not start a panel");
                    bp = packed.data();
                    bo = packed.blockOffset(pc) + jc / NR * kc * NR;
                    step = kc;
                    ldb = NR;
                } else if (inPlaceB) {
                    bp = b.data();
                    bo = b.offset() + pc * b.rowStride() + jc;
                    step = 1;
                    ldb = b.rowStride();
                } else {
                    Packing.packB(b, pc, kc, jc, nc, s.b);
                    bp = s.b;
                    bo = 0;
                    step = kc;
                    ldb = NR;
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (direct) {
                        // Rows of A are read in place; only a ragged last panel is packed (zero-padded).
                        int full = mc / MR * MR;
                        if (full < mc) Packing.packA(a, ic + full, mc - full, pc, kc, s.a);
                    } else {
                        Packing.packA(a, ic, mc, pc, kc, s.a);
                    }
                    sweep(a, direct, ic, pc, s, b, inPlaceB, jc, bp, bo, step, ldb, kc, mc, nc, c, cOff + ic * ldc + jc, ldc, load);
                }
            }
        }
    }

    /**
     * All tiles of one (mc x kc) · (kc x nc) block into C at {@code co}; panel jr of B starts at
     * {@code bp[bo + jr·step]} with rows {@code ldb} apart (packed, or B read in place), A packed or in place. A
     * ragged last panel of a B read in place is packed (zero-padded) first: the kernel reads whole panels.
     */
    private static void sweep(Operand a, boolean direct, int ic, int pc, Scratch s, Operand b, boolean inPlaceB, int jc, float[] bp, int bo,
                              int step, int ldb, int kc, int mc, int nc, float[] c, int co, int ldc, boolean load) {
        int full = mc / MR * MR;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            float[] pb = bp;
            int po = bo + jr * step, pl = ldb;
            if (cols < NR && inPlaceB) {
                Packing.packB(b, pc, kc, jc + jr, cols, s.b);
                pb = s.b;
                po = 0;
                pl = NR;
            }
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                float[] ad;
                int ao, ars, acs;
                if (direct && ir < full) {
                    ad = a.data();
                    ao = a.offset() + (ic + ir) * a.rowStride() + pc;
                    ars = a.rowStride();
                    acs = 1;
                } else {
                    ad = s.a;
                    ao = direct ? 0 : ir * kc;
                    ars = 1;
                    acs = MR;
                }
                int ct = co + ir * ldc + jr;
                if (rows == MR && cols == NR) {
                    MicroKernel.tile(ad, ao, ars, acs, pb, po, pl, kc, c, ct, ldc, load);
                } else {
                    // Ragged edge: full tile into scratch, then add only the part inside C.
                    MicroKernel.tile(ad, ao, ars, acs, pb, po, pl, kc, s.tile, 0, NR, false);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            int o = ct + r * ldc + j;
                            float t = s.tile[r * NR + j];
                            c[o] = load ? c[o] + t : t;
                        }
                    }
                }
            }
        }
    }
}
