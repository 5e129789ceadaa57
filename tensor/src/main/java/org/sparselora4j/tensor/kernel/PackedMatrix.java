package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A matrix packed once, ahead of time, into the panel order in which the GEMM core reads its right operand B
 * (k, n): for a frozen weight the packing every product would otherwise repeat. {@link #transposed} packs
 * B = wᵀ for a layer's forward x·wᵀ, {@link #rowMajor} packs B = w for its input gradient dy·w.
 *
 * <p>Layout: k is cut into the equal blocks {@link GemmPlan#kStep} cuts it into; each block of kc steps holds all
 * ⌈n/NR⌉ panels of NR columns, panel by panel, element (p, c) of a panel at {@code p*NR + c} (as
 * {@link Packing#packB} writes one), columns past n zero. Every block before the one starting at k-step pc has
 * kStep steps, so that block starts at {@code pc · panels · NR} and its panel j at {@code + j · kc · NR}: any
 * range of whole panels of any block is found without a table, and the first columns of the matrix are a view
 * of the same floats ({@link #firstColumns}).
 *
 * <p>The copy is as large as the matrix (plus the padding of the last panel) and holds its values at packing
 * time, while products small enough for the unpacked paths read the matrix itself: the matrix must not change
 * while a packing of it is in use. Packing into a scratch array ({@link #transposed(Tensor, float[])})
 * overwrites whatever was packed there before.
 *
 * <p><b>Compact form.</b> A BF16 or F16 weight ({@link Tensor#compact}) is packed into the same layout in its own
 * 16-bit type ({@link #compact()}): half the bytes of a float32 packing, and lossless (every element is such a
 * value already). The GEMM widens one block's panels to float32 ({@link #widen}) just before its tiles read them,
 * a contiguous run per block instead of the transposing, decoding pack of every call. Other compact types pack
 * to float32 as before.
 */
public final class PackedMatrix {
    private final Operand source;
    private final int k;
    private final int n;
    /** Panels per block of k in {@link #data}: those of the packed matrix, also in a view of its first columns. */
    private final int panels;
    /** Steps of k per block, as {@link GemmPlan#kStep} cut them at packing time. */
    private final int kStep;
    /** The packed floats; null in the compact form. */
    private final float[] data;
    /** The packed elements in {@link #halfType} (BF16 or F16) in the compact form, else null. */
    private final MemorySegment halves;
    private final ElementType halfType;

    private PackedMatrix(Operand source, int k, int n, int panels, int kStep, float[] data, MemorySegment halves, ElementType halfType) {
        this.source = source;
        this.k = k;
        this.n = n;
        this.panels = panels;
        this.kStep = kStep;
        this.data = data;
        this.halves = halves;
        this.halfType = halfType;
    }

    /** True for the types whose weights pack in their own 16-bit type (the compact form). */
    public static boolean packsCompact(ElementType type) {
        return type == ElementType.BF16 || type == ElementType.F16;
    }

    private static PackedMatrix pack(Operand source, int k, int n, float[] scratch) {
        int kStep = GemmPlan.current().kStep(k);
        int panels = (n + MicroKernel.NR - 1) / MicroKernel.NR;
        long size = (long) k * panels * MicroKernel.NR;
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a packed " + k + " x " + n + " matrix exceeds one array");
        if (source.compact() && packsCompact(source.type())) return packCompact(source, k, n, panels, kStep, (int) size);
        float[] data = scratch != null && scratch.length >= size ? scratch : new float[(int) size];
        PackedMatrix m = new PackedMatrix(source, k, n, panels, kStep, data, null, null);
        for (int pc = 0; pc < k; pc += kStep) Packing.packB(source, pc, Math.min(kStep, k - pc), 0, n, data, m.blockOffset(pc));
        return m;
    }

    /** The compact form: each block packed (decoded) into floats, then stored back in the weight's own type, exactly. */
    private static PackedMatrix packCompact(Operand source, int k, int n, int panels, int kStep, int size) {
        ElementType type = source.type();
        MemorySegment halves = MemorySegment.ofArray(new short[size]);
        PackedMatrix m = new PackedMatrix(source, k, n, panels, kStep, null, halves, type);
        float[] block = new float[Math.min(kStep, k) * panels * MicroKernel.NR];
        for (int pc = 0; pc < k; pc += kStep) {
            int count = Packing.packB(source, pc, Math.min(kStep, k - pc), 0, n, block, 0);
            Quantize.encode(type, block, 0, count, halves, m.blockOffset(pc));
        }
        return m;
    }

    /** B = wᵀ (k = w's columns, n = its rows): the right operand of x·wᵀ. */
    public static PackedMatrix transposed(Tensor w) {
        return transposed(w, null);
    }

    /**
     * {@link #transposed(Tensor)} packed into {@code scratch} when it holds {@link #floatsFor} floats (a new array
     * otherwise), for a kernel that packs a fresh matrix of the same size again and again.
     */
    public static PackedMatrix transposed(Tensor w, float[] scratch) {
        return pack(Operand.transposed(w), w.cols(), w.rows(), scratch);
    }

    /** B = w (k = w's rows, n = its columns): the right operand of dy·w. */
    public static PackedMatrix rowMajor(Tensor w) {
        return pack(Operand.rowMajor(w), w.rows(), w.cols(), null);
    }

    /** Floats a packed k x n matrix takes: k rows of whole panels. */
    public static long floatsFor(int k, int n) {
        return (long) k * ((n + MicroKernel.NR - 1) / MicroKernel.NR) * MicroKernel.NR;
    }

    /**
     * The first {@code columns} columns of B, sharing this packing: a product with it equals one with those
     * columns of the matrix (the keys before a position, say, in causal attention).
     */
    public PackedMatrix firstColumns(int columns) {
        if (columns < 0 || columns > n) throw new IllegalArgumentException("first " + columns + " columns of a packed " + k + " x " + n + " matrix");
        return new PackedMatrix(source, k, columns, panels, kStep, data, halves, halfType);
    }

    /** Rows of B: the inner dimension of a product with it. */
    public int k() {
        return k;
    }

    /** Columns of B: the width of a product with it. */
    public int n() {
        return n;
    }

    /** Floats held, padding included (shared with the views of its first columns). */
    public long floats() {
        return floatsFor(k, panels * MicroKernel.NR);
    }

    /** True when the packing holds 16-bit elements (BF16 or F16), widened block by block ({@link #widen}). */
    public boolean compact() {
        return halves != null;
    }

    /** Bytes held, padding included: four per element, two in the compact form. */
    public long bytes() {
        return floats() * (compact() ? 2 : Float.BYTES);
    }

    /**
     * The compact form's panels of the block of k-steps from {@code pc} covering columns [jc, jc + nc) (jc starts a
     * panel), widened to floats into {@code dst} from {@code off} in the float32 packing's layout (panel after panel,
     * kc x NR each); returns the floats written. Vector API ({@link Dequant#decode}).
     */
    int widen(int pc, int jc, int nc, float[] dst, int off) {
        int count = widthOf(pc, nc);
        Dequant.decode(halfType, halves, blockOffset(pc) + (long) jc / MicroKernel.NR * blockSteps(pc) * MicroKernel.NR, count, dst, off);
        return count;
    }

    /** The scalar twin of {@link #widen}. */
    int widenScalar(int pc, int jc, int nc, float[] dst, int off) {
        int count = widthOf(pc, nc);
        Dequant.decodeScalar(halfType, halves, blockOffset(pc) + (long) jc / MicroKernel.NR * blockSteps(pc) * MicroKernel.NR, count, dst, off);
        return count;
    }

    private int widthOf(int pc, int nc) {
        if (halves == null) throw new IllegalStateException("a float32 packing has nothing to widen");
        return (nc + MicroKernel.NR - 1) / MicroKernel.NR * blockSteps(pc) * MicroKernel.NR;
    }

    private int blockSteps(int pc) {
        return Math.min(kStep, k - pc);
    }

    /** The unpacked matrix, for the paths that read B in place. */
    Operand source() {
        return source;
    }

    /** Steps of k per block of the packing. */
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
