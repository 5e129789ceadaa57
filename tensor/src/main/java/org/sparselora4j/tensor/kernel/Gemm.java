package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Parallel;

import java.util.Arrays;

/**
 * The blocked, packed GEMM core behind every large matmul: C(m,n) (+)= A(m,k) · B(k,n), where A and B are
 * {@link Operand}s (any layout, optionally gathered) and C is row-major with {@code ldc} floats per row.
 *
 * <p>Loop nest (Goto/BLIS), cut by a {@link GemmPlan}: for each block of nc columns and kc steps of k, pack
 * that B block (in L3) once; for each block of mc rows (in L2) sweep {@link MicroKernel} tiles, each B panel
 * (kc x NR) held in L1/L2 while mr-row panels of A stream from L2. A is packed block by block in every layout:
 * the tiles then read one contiguous run, where mr rows read in place lie a row stride apart, and a stride that
 * is a multiple of 4 KiB (k = 1024, 2048, ...) puts all of them in one L1 set (12 rows in place ran at 0.65-0.85x
 * the packed panel at k = 2048 on Zen 4; the pack costs about 1% of the product). C is read and written once
 * per kc step. Work is split over {@link Parallel#current()} by whole panels of
 * columns (each thread packs all of A and its share of B) or of rows (its share of A and all of B), whichever
 * leaves a thread less work ({@link #splitColumns}); each thread packs into its own scratch buffers, kept between calls. A B packed beforehand ({@link PackedMatrix}, a frozen weight) is
 * read in place of that packing, block by block (a compact one widened to floats a block at a time).
 */
final class Gemm {
    private static final int NR = MicroKernel.NR;
    /** Blocks of at most this many rows of C read a row-major B in place instead of packing it. */
    static final int SHORT = 2 * MicroKernel.MR_SMALL;

    /** One product as the threads share it: the plan, the operands and where C lies. */
    private record Job(GemmPlan plan, Operand a, Operand b, PackedMatrix packed, int k, float[] c, int cOff, int ldc,
                       boolean accumulate) {
    }

    /**
     * Per-thread buffers, grown on first use and then reused, and the B block being swept: panel jr of it
     * starts at {@code bData[bOffset + jr·bStep]} with rows {@code ldb} apart.
     */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MicroKernel.MR_MAX * NR];
        float[] bData;
        int bOffset, bStep, ldb;
        /** B is read in place (a short block); its ragged last panel is packed into {@link #b} when swept. */
        boolean bInPlace;

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Gemm() {
    }

    /** C(m,n) (+)= A(m,k) · B(k,n) with C at {@code c[cOff + i*ldc + j]}, split over the current threads. */
    static void multiply(Operand a, Operand b, int m, int k, int n, float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(GemmPlan.current(), a, b, m, k, n, c, cOff, ldc, accumulate);
    }

    /** The same product cut by a given plan (tests run every tile on any machine). */
    static void multiply(GemmPlan plan, Operand a, Operand b, int m, int k, int n, float[] c, int cOff, int ldc, boolean accumulate) {
        run(new Job(plan, a, b, null, k, c, cOff, ldc, accumulate), m, n);
    }

    /** The same product with B packed beforehand: no block of B is packed during the call. */
    static void multiply(Operand a, PackedMatrix b, int m, float[] c, int cOff, int ldc, boolean accumulate) {
        multiply(GemmPlan.current(), a, b, m, c, cOff, ldc, accumulate);
    }

    static void multiply(GemmPlan plan, Operand a, PackedMatrix b, int m, float[] c, int cOff, int ldc, boolean accumulate) {
        run(new Job(plan, a, b.source(), b, b.k(), c, cOff, ldc, accumulate), m, b.n());
    }

    private static void run(Job job, int m, int n) {
        Parallel parallel = Parallel.current();
        // A compact packing is widened block by block in each thread that reads it: as costly as packing.
        boolean prepacked = job.packed != null && !job.packed.compact();
        if (splitColumns(parallel.threads(), job.plan.mr(), m, job.k, n, prepacked)) {
            parallel.forRange(n, NR, (j0, j1) -> block(job, 0, m, j0, j1));
        } else {
            parallel.forRange(m, job.plan.mr(), (i0, i1) -> block(job, i0, i1, 0, n));
        }
    }

    /** Cost of packing one float, and of reading one float of a B packed beforehand, in FLOPs of the tiles. */
    private static final long PACK = 35, READ = 8;

    /**
     * Whether threads split C by columns (each packs all of A and its share of B) rather than rows (each packs its
     * share of A and reads all of B): the split with less work a thread, counting the tiles' padded FLOPs and the
     * floats packed or read. With B packed beforehand and few columns (a 128-wide k/v projection, a gathered
     * product keeping 48 channels) splitting columns packs all of A in each thread for one or two panels.
     */
    static boolean splitColumns(int threads, int mr, int m, int k, int n, boolean prepacked) {
        long mPanels = (m + mr - 1) / mr, nPanels = (n + NR - 1) / NR;
        long colsN = (nPanels + threads - 1) / threads * NR, rowsM = (mPanels + threads - 1) / threads * mr;
        long byCols = 2 * mPanels * mr * k * colsN + PACK * m * k + (prepacked ? READ : PACK) * k * colsN;
        long byRows = 2 * rowsM * k * nPanels * NR + PACK * rowsM * k + (prepacked ? READ : PACK) * k * n;
        return byCols <= byRows;
    }

    /** Steps of k per block of the current plan for an inner dimension of k. */
    static int kStep(int k) {
        return GemmPlan.current().kStep(k);
    }

    /** The serial GEMM on rows [i0, i1) and columns [j0, j1) of C. */
    static void block(Operand a, Operand b, int i0, int i1, int j0, int j1, int k, float[] c, int cOff, int ldc, boolean accumulate) {
        block(new Job(GemmPlan.current(), a, b, null, k, c, cOff, ldc, accumulate), i0, i1, j0, j1);
    }

    private static void block(Job job, int i0, int i1, int j0, int j1) {
        int k = job.k;
        if (k == 0) {
            if (!job.accumulate) {
                for (int i = i0; i < i1; i++) Arrays.fill(job.c, job.cOff + i * job.ldc + j0, job.cOff + i * job.ldc + j1, 0f);
            }
            return;
        }
        GemmPlan plan = job.plan;
        Scratch s = SCRATCH.get();
        Operand b = job.b;
        PackedMatrix packed = job.packed;
        // A short block (a LoRA factor's gradient: r rows of C) uses each element of B once or twice, so packing B
        // would cost as much as the product: a row-major B is read where it lies.
        s.bInPlace = packed == null && i1 - i0 <= SHORT && b.rowsContiguous() && b.rowIndex() == null && !b.compact();
        // A matrix packed beforehand is read in the blocks of k it was packed in, whatever the plan's kc.
        int kStep = packed != null ? packed.kStep() : plan.kStep(k), nc0 = plan.nc();
        int mcb = plan.mStep(i1 - i0);
        float[] aScratch = s.a(mcb * kStep + MicroKernel.V); // V: room for the vector pack's overhang
        for (int jc = j0; jc < j1; jc += nc0) {
            int nc = Math.min(nc0, j1 - jc);
            for (int pc = 0; pc < k; pc += kStep) {
                int kc = Math.min(kStep, k - pc);
                boolean load = job.accumulate || pc > 0;
                if (packed != null) {
                    // The threads split columns by whole panels, so jc starts a panel of the packing.
                    if (jc % NR != 0) throw new IllegalStateException("column block at " + jc + " does not start a panel");
                    if (packed.compact()) {
                        // Compact panels (BF16/F16, or Q8_0 with block scales): this block's panels widened
                        // to floats, one contiguous run.
                        s.bData = s.b(plan.nc() * kStep);
                        packed.widen(pc, jc, nc, s.bData, 0);
                        s.bOffset = 0;
                    } else {
                        s.bData = packed.data();
                        s.bOffset = packed.blockOffset(pc) + jc / NR * kc * NR;
                    }
                    s.bStep = kc;
                    s.ldb = NR;
                } else if (s.bInPlace) {
                    s.bData = b.data();
                    s.bOffset = b.offset() + pc * b.rowStride() + jc;
                    s.bStep = 1;
                    s.ldb = b.rowStride();
                } else {
                    s.bData = s.b(plan.nc() * kStep);
                    Packing.packB(b, pc, kc, jc, nc, s.bData);
                    s.bOffset = 0;
                    s.bStep = kc;
                    s.ldb = NR;
                }
                for (int ic = i0; ic < i1; ic += mcb) {
                    int mc = Math.min(mcb, i1 - ic);
                    Packing.packA(job.a, ic, mc, pc, kc, plan.mr(), aScratch);
                    sweep(job, s, ic, pc, jc, kc, mc, nc, load);
                }
            }
        }
    }

    /**
     * All tiles of one (mc x kc) · (kc x nc) block, rows from ic, k from pc, columns from jc, into C; B as
     * {@code s} describes it, A packed in {@code s.a} (panel after panel, kc x mr each). A ragged last panel of a B read in place
     * is packed (zero-padded) first: the kernel reads whole panels.
     */
    private static void sweep(Job job, Scratch s, int ic, int pc, int jc, int kc, int mc, int nc, boolean load) {
        int mr = job.plan.mr(), ldc = job.ldc;
        float[] c = job.c, ad = s.a;
        int co = job.cOff + ic * ldc + jc;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            float[] pb = s.bData;
            int po = s.bOffset + jr * s.bStep, pl = s.ldb;
            if (cols < NR && s.bInPlace) {
                pb = s.b(kc * NR);
                Packing.packB(job.b, pc, kc, jc + jr, cols, pb);
                po = 0;
                pl = NR;
            }
            for (int ir = 0; ir < mc; ir += mr) {
                int rows = Math.min(mr, mc - ir), ao = ir * kc;
                int ct = co + ir * ldc + jr;
                if (rows == mr && cols == NR) {
                    tile(mr, ad, ao, pb, po, pl, kc, c, ct, ldc, load);
                } else {
                    // Ragged edge: full tile into scratch, then add only the part inside C.
                    float[] t = s.tile;
                    tile(mr, ad, ao, pb, po, pl, kc, t, 0, NR, false);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            int o = ct + r * ldc + j;
                            c[o] = load ? c[o] + t[r * NR + j] : t[r * NR + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * One tile of a packed A panel as {@link MicroKernel#tile} defines it, on the constant-stride kernel of
     * {@link PackedTiles} when B is a packed panel (ldb = NR), on the strided one when B is read in place.
     */
    private static void tile(int mr, float[] a, int ao, float[] b, int bo, int ldb, int kc, float[] c, int co, int ldc, boolean load) {
        if (ldb == NR) PackedTiles.panel(mr, a, ao, b, bo, kc, c, co, ldc, load);
        else MicroKernel.tile(mr, a, ao, 1, mr, b, bo, ldb, kc, c, co, ldc, load);
    }
}
