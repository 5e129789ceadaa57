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
 * </ul>
 * Threads are not part of the plan: each call splits its columns (or rows) over {@code Parallel.current()}.
 */
public record GemmPlan(int mr, int kc, int mc, int nc) {
    /** The register tiles {@link MicroKernel} has. */
    static final int[] TILE_ROWS = {MicroKernel.MR_SMALL, MicroKernel.MR_LARGE};

    /** Rows of each register tile the micro-kernel has (6 and 12). */
    public static int[] tileRows() {
        return TILE_ROWS.clone();
    }

    /**
     * Steps of k per block, kept the same on every machine because a {@link PackedMatrix} is laid out by it.
     * A B panel (KC x NR, 48 KB at 16 lanes) fills L1 and partly streams from L2, which keeps up with the
     * kernel; k = 384 (a 50% gather of 768 channels) fits one block.
     */
    static final int KC = 384;

    private static final GemmPlan CURRENT = forMachine(Machine.current());

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
        // The 12-row tile needs 32 registers, but on Zen 4 (2 cores, locked run of 2026-12-02) it ran abT products
        // at 0.80x the 6-row tile on 2 threads (equal on 1), so 6 rows stay the default until a machine shows otherwise.
        return forTile(MicroKernel.MR_SMALL, machine);
    }

    /** The blocks for a given register tile ({@link #tileRows()}) on a machine (tests and benchmarks run every tile on any machine). */
    public static GemmPlan forTile(int mr, Machine machine) {
        int nr = MicroKernel.NR;
        // A block in about 3/8 of L2 (the rest holds the B panel in flight and C's rows): 252 rows on a 1 MB L2.
        long mcRows = machine.l2() * 3 / 8 / (KC * Float.BYTES);
        int mc = (int) Math.max(mr, Math.min(4096, mcRows) / mr * mr);
        // B block in a quarter of L3 (shared by the cores), between 4 panels and 2048 columns.
        long l3 = machine.l3() > 0 ? machine.l3() : 8L << 20;
        long ncCols = l3 / 4 / (KC * Float.BYTES);
        int nc = (int) Math.max(4L * nr, Math.min(2048, ncCols) / nr * nr);
        return new GemmPlan(mr, KC, mc, nc);
    }

    /** Steps of k per block for an inner dimension of k: equal blocks of at most kc (k = 400 gives 2 x 200, not 384 + 16). */
    int kStep(int k) {
        return kStep(k, kc);
    }

    static int kStep(int k, int kc) {
        int kBlocks = Math.max(1, (k + kc - 1) / kc);
        return (k + kBlocks - 1) / kBlocks;
    }
}
