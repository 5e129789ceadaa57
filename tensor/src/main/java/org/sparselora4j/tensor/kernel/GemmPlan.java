package org.sparselora4j.tensor.kernel;

/**
 * How the packed GEMM cuts a product for one machine: the register tile of its {@link MicroKernel} and the
 * cache blocking around it, chosen once from the {@link Machine} found at start-up ({@link #forMachine}).
 *
 * <ul>
 * <li>{@code mr}: rows of C per register tile (12 where 32 vector registers hold 24 accumulators, two B vectors
 * and a broadcast; 6 where 16 do); the tile is {@code nr} = two vectors wide.</li>
 * <li>{@code kc}: steps of k per packed block: a B panel (kc x nr) is read once per tile from L1/L2.</li>
 * <li>{@code mc}: rows of A per block (a multiple of mr): an mc x kc block of A stays in L2 while the
 * panels of one B block stream past it.</li>
 * <li>{@code nc}: columns of B per packed block (a multiple of nr), kc x nc floats held in L3.</li>
 * <li>{@code stretch}: a block of k or of rows may run up to a quarter over kc or mc, so that a product just over
 * a block (k = 896 at kc 768, m = 128 at mc 120) is one block and not a full block and a sliver that re-reads all of
 * B for one tile; rows are then cut into blocks as equal as whole tiles allow. On Zen 4 (2 threads, B packed
 * beforehand) 128x896x4864 ran 1.1-1.2x the strict cut; shapes cut evenly anyway are unchanged.</li>
 * </ul>
 * Threads are not part of the plan: each call splits its columns (or rows) over {@code Parallel.current()}.
 */
public record GemmPlan(int mr, int kc, int mc, int nc, boolean stretch) {
    /** The register tiles {@link MicroKernel} has. */
    static final int[] TILE_ROWS = {MicroKernel.MR_SMALL, MicroKernel.MR_LARGE};

    /** Rows of each register tile the micro-kernel has (6 and 12). */
    public static int[] tileRows() {
        return TILE_ROWS.clone();
    }

    /**
     * Most steps of k per block: a B panel (KC x NR, 96 KB at 16 lanes) streams from L2 while a tile runs, and C
     * is read and written once per block, so fewer, longer blocks win (768 against 384: +5-8% on Zen 4); k = 768
     * (a layer's width) fits one block. A multiple of the Q8_0 block of 32. A {@link PackedMatrix} records the steps
     * it was packed with, and the GEMM reads it in those, whatever plan cuts the rest.
     */
    static final int KC = 768;

    /** Blocks of k start at multiples of this (a Q8_0 block of scales, two cache lines of floats) where kc allows. */
    static final int K_ALIGN = 32;

    private static final GemmPlan CURRENT = forMachine(Machine.current());

    /** A plan with stretched blocks, as {@link #forTile} makes them. */
    public GemmPlan(int mr, int kc, int mc, int nc) {
        this(mr, kc, mc, nc, true);
    }

    public GemmPlan {
        if (mr != MicroKernel.MR_SMALL && mr != MicroKernel.MR_LARGE) throw new IllegalArgumentException("no " + mr + "-row micro-kernel");
        if (kc < 1 || mc < mr || mc % mr != 0) throw new IllegalArgumentException("GEMM blocks kc " + kc + ", mc " + mc + " for " + mr + " rows");
        if (nc < MicroKernel.NR || nc % MicroKernel.NR != 0) throw new IllegalArgumentException("GEMM block nc " + nc);
    }

    /** The plan for the machine this JVM runs on. */
    public static GemmPlan current() {
        return CURRENT;
    }

    /** The tile and blocks for a machine: the tile by its registers, mc by its L2, nc by its L3. */
    public static GemmPlan forMachine(Machine machine) {
        // The 12-row tile (24 accumulators, 2 B vectors, a broadcast) needs 32 registers; 16 hold the 6-row one.
        // With A packed it ran 1.02-1.15x the 6-row tile on Zen 4 at the training shapes (2 threads, kc 768).
        return forTile(machine.registers() >= 32 ? MicroKernel.MR_LARGE : MicroKernel.MR_SMALL, machine);
    }

    /** The blocks for a given register tile ({@link #tileRows()}) on a machine (tests and benchmarks run every tile on any machine). */
    public static GemmPlan forTile(int mr, Machine machine) {
        int nr = MicroKernel.NR;
        // kc: a B panel in at most 1/8 of L2, between 256 and KC steps (768 on a 1 MiB L2 at 16 lanes).
        int kc = (int) Math.max(256, Math.min(KC, machine.l2() / 8 / ((long) nr * Float.BYTES)) / K_ALIGN * K_ALIGN);
        // A block in about 3/8 of L2 (the rest holds the B panel in flight and C's rows): 126 rows on a 1 MB L2.
        long mcRows = machine.l2() * 3 / 8 / ((long) kc * Float.BYTES);
        int mc = (int) Math.max(mr, Math.min(4096, mcRows) / mr * mr);
        // B block in a quarter of L3 (shared by the cores), between 4 panels and 2048 columns.
        long l3 = machine.l3() > 0 ? machine.l3() : 8L << 20;
        long ncCols = l3 / 4 / ((long) kc * Float.BYTES);
        int nc = (int) Math.max(4L * nr, Math.min(2048, ncCols) / nr * nr);
        return new GemmPlan(mr, kc, mc, nc);
    }

    /**
     * Steps of k per block for an inner dimension of k: blocks of at most kc (5/4 kc when stretched), as equal as whole multiples of
     * {@link #K_ALIGN} allow (kc 768: k = 2048 gives 704 + 704 + 640, not 768 + 768 + 512; k = 800 gives 416 + 384).
     */
    int kStep(int k) {
        return stretch ? kStep(k, kc + kc / 4) : kStep(k, kc);
    }

    /**
     * Rows of C per block for a block of {@code rows} rows: at most mc (5/4 mc when stretched, in whole tiles), cut
     * as equal as whole tiles allow (m = 512 at mc 120: 132 + 132 + 132 + 116, not 4 x 120 + 32).
     */
    int mStep(int rows) {
        if (!stretch) return mc;
        int most = (mc + mc / 4) / mr * mr;
        int blocks = Math.max(1, (rows + most - 1) / most);
        int per = (rows + blocks - 1) / blocks;
        return Math.min(most, (per + mr - 1) / mr * mr);
    }

    static int kStep(int k, int kc) {
        int kBlocks = Math.max(1, (k + kc - 1) / kc);
        int step = (k + kBlocks - 1) / kBlocks;
        if (kBlocks == 1 || kc % K_ALIGN != 0) return step;
        return (step + K_ALIGN - 1) / K_ALIGN * K_ALIGN;
    }
}
