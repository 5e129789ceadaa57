package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/**
 * A matrix packed once, ahead of time, into the panel order in which the GEMM core reads its right operand B
 * (k, n): for a frozen weight the packing every product would otherwise repeat. {@link #transposed} packs
 * B = wᵀ for a layer's forward x·wᵀ, {@link #rowMajor} packs B = w for its input gradient dy·w.
 *
 * <p>Layout: k is cut into the equal blocks {@link Gemm#kStep} cuts it into; each block of kc steps holds all
 * ⌈n/NR⌉ panels of NR columns, panel by panel, element (p, c) of a panel at {@code p*NR + c} (as
 * {@link Packing#packB} writes one), columns past n zero. Every block before the one starting at k-step pc has
 * kStep steps, so that block starts at {@code pc · panels · NR} and its panel j at {@code + j · kc · NR}: any
 * range of whole panels of any block is found without a table. The copy is as large as the matrix (plus the
 * padding of the last panel) and holds the values at packing time: the matrix must not change afterwards.
 */
public final class PackedMatrix {
    private final Operand source;
    private final int k;
    private final int n;
    private final int kStep;
    private final int panels;
    private final float[] data;

    private PackedMatrix(Operand source, int k, int n) {
        this.source = source;
        this.k = k;
        this.n = n;
        this.kStep = Gemm.kStep(k);
        this.panels = (n + MicroKernel.NR - 1) / MicroKernel.NR;
        long size = (long) k * panels * MicroKernel.NR;
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a packed " + k + " x " + n + " matrix exceeds one array");
        this.data = new float[(int) size];
        for (int pc = 0; pc < k; pc += kStep) Packing.packB(source, pc, Math.min(kStep, k - pc), 0, n, data, blockOffset(pc));
    }

    /** B = wᵀ (k = w's columns, n = its rows): the right operand of x·wᵀ. */
    public static PackedMatrix transposed(Tensor w) {
        return new PackedMatrix(Operand.transposed(w.data(), w.offset(), w.cols()), w.cols(), w.rows());
    }

    /** B = w (k = w's rows, n = its columns): the right operand of dy·w. */
    public static PackedMatrix rowMajor(Tensor w) {
        return new PackedMatrix(Operand.rowMajor(w.data(), w.offset(), w.cols()), w.rows(), w.cols());
    }

    /** Rows of B: the inner dimension of a product with it. */
    public int k() {
        return k;
    }

    /** Columns of B: the width of a product with it. */
    public int n() {
        return n;
    }

    /** Floats held, padding included. */
    public long floats() {
        return data.length;
    }

    /** The unpacked matrix, for the paths that read B in place. */
    Operand source() {
        return source;
    }

    int kStep() {
        return kStep;
    }

    float[] data() {
        return data;
    }

    /** Where the block of k-steps starting at {@code pc} (a multiple of {@link #kStep()}) begins. */
    int blockOffset(int pc) {
        return pc * panels * MicroKernel.NR;
    }
}
