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
 * value already). A Q8_0 weight packed for x·wᵀ (B = wᵀ, whose 32-element blocks run along k) keeps its int8
 * quants in the same layout, one byte each, and its block scales as floats in a table of ⌈k/32⌉ rows of the
 * padded width (scale of element (p, j) at {@code (p / 32) · width + j}): 1.125 bytes per element, and exact
 * (x = d·q as the format defines it). The GEMM widens one block's panels to float32 ({@link #widen}) just
 * before its tiles read them, a contiguous run per block instead of the transposing, decoding pack of every
 * call. Other compact weights (and a Q8_0 one packed row-major) pack to float32 as before.
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
    /** The packed elements in {@link #halfType} (BF16 or F16) in the 16-bit compact form, else null. */
    private final MemorySegment halves;
    private final ElementType halfType;
    /** The Q8_0 form: int8 quants in the panel layout, and the block scales (⌈k/32⌉ rows of panels·NR), else null. */
    private final byte[] quants;
    private final float[] scales;

    private PackedMatrix(Operand source, int k, int n, int panels, int kStep, float[] data, MemorySegment halves, ElementType halfType,
                         byte[] quants, float[] scales) {
        this.source = source;
        this.k = k;
        this.n = n;
        this.panels = panels;
        this.kStep = kStep;
        this.data = data;
        this.halves = halves;
        this.halfType = halfType;
        this.quants = quants;
        this.scales = scales;
    }

    /**
     * True for the types whose weights {@link #transposed} packs in a compact form: BF16 and F16 (in either
     * layout) and Q8_0 (for x·wᵀ, with rows of whole blocks).
     */
    public static boolean packsCompact(ElementType type) {
        return type == ElementType.BF16 || type == ElementType.F16 || type == ElementType.Q8_0;
    }

    private static PackedMatrix pack(Operand source, int k, int n, float[] scratch) {
        return pack(source, k, n, scratch, GemmPlan.current(), true);
    }

    /** Packed in the blocks of k that {@code plan} cuts (tests and probes compare plans; the GEMM reads any). */
    static PackedMatrix pack(Operand source, int k, int n, float[] scratch, GemmPlan plan) {
        return pack(source, k, n, scratch, plan, true);
    }

    /**
     * Packed as {@code plan} cuts it; a compact source in a compact form where it has one and {@code keepCompact}
     * asks for it, else decoded to float32 panels.
     */
    private static PackedMatrix pack(Operand source, int k, int n, float[] scratch, GemmPlan plan, boolean keepCompact) {
        int kStep = plan.kStep(k);
        int panels = (n + MicroKernel.NR - 1) / MicroKernel.NR;
        long size = (long) k * panels * MicroKernel.NR;
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("a packed " + k + " x " + n + " matrix exceeds one array");
        if (keepCompact && source.compact() && (source.type() == ElementType.BF16 || source.type() == ElementType.F16)) {
            return packCompact(source, k, n, panels, kStep, (int) size);
        }
        if (keepCompact && source.compact() && source.type() == ElementType.Q8_0 && source.colsContiguous() && source.colIndex() == null
                && source.rowStride() == 1 && source.colStride() == k && k % 32 == 0) {
            return packQ8(source, k, n, panels, kStep, (int) size);
        }
        float[] data = scratch != null && scratch.length >= size ? scratch : new float[(int) size];
        PackedMatrix m = new PackedMatrix(source, k, n, panels, kStep, data, null, null, null, null);
        for (int pc = 0; pc < k; pc += kStep) Packing.packB(source, pc, Math.min(kStep, k - pc), 0, n, data, m.blockOffset(pc));
        return m;
    }

    /** The compact form: each block packed (decoded) into floats, then stored back in the weight's own type, exactly. */
    private static PackedMatrix packCompact(Operand source, int k, int n, int panels, int kStep, int size) {
        ElementType type = source.type();
        MemorySegment halves = MemorySegment.ofArray(new short[size]);
        PackedMatrix m = new PackedMatrix(source, k, n, panels, kStep, null, halves, type, null, null);
        float[] block = new float[Math.min(kStep, k) * panels * MicroKernel.NR];
        for (int pc = 0; pc < k; pc += kStep) {
            int count = Packing.packB(source, pc, Math.min(kStep, k - pc), 0, n, block, 0);
            Quantize.encode(type, block, 0, count, halves, m.blockOffset(pc));
        }
        return m;
    }

    /**
     * The Q8_0 form of B = wᵀ for a Q8_0 w (n rows of k elements, k whole blocks): each element's int8 quant at
     * its panel place, each block's scale d (f16, widened) at (block of k, column).
     */
    private static PackedMatrix packQ8(Operand source, int k, int n, int panels, int kStep, int size) {
        final int nr = MicroKernel.NR, width = panels * nr, blocksPerRow = k / 32;
        byte[] quants = new byte[size];
        float[] scales = new float[blocksPerRow * width];
        PackedMatrix m = new PackedMatrix(source, k, n, panels, kStep, null, null, ElementType.Q8_0, quants, scales);
        MemorySegment bytes = source.bytes();
        long base = source.offset();
        if (base % 32 != 0) throw new IllegalArgumentException("a Q8_0 matrix starting inside a block");
        for (int j = 0; j < n; j++) {
            long rowBlock = (base + (long) j * k) / 32;
            for (int g = 0; g < blocksPerRow; g++) {
                long at = (rowBlock + g) * 34;
                scales[g * width + j] = Float.float16ToFloat(bytes.get(Q8_SCALE, at));
                for (int i = 0; i < 32; i++) {
                    int p = g * 32 + i, pc = p / kStep * kStep, kc = Math.min(kStep, k - pc);
                    quants[m.blockOffset(pc) + j / nr * kc * nr + (p - pc) * nr + j % nr] = bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 2 + i);
                }
            }
        }
        return m;
    }

    private static final java.lang.foreign.ValueLayout.OfShort Q8_SCALE =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

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

    /**
     * {@link #transposed(Tensor)} or {@link #rowMajor(Tensor)} in float32 panels whatever w's type: a compact weight
     * decoded once, so that no product widens it again ({@link #compact()} is false).
     */
    public static PackedMatrix floats(Tensor w, boolean transposedLayout) {
        return transposedLayout ? pack(Operand.transposed(w), w.cols(), w.rows(), null, GemmPlan.current(), false)
                : pack(Operand.rowMajor(w), w.rows(), w.cols(), null, GemmPlan.current(), false);
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
        return new PackedMatrix(source, k, columns, panels, kStep, data, halves, halfType, quants, scales);
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

    /** True when the packing holds compact elements (BF16, F16 or Q8_0), widened block by block ({@link #widen}). */
    public boolean compact() {
        return halves != null || quants != null;
    }

    /** Bytes held, padding included: four per element, two in the 16-bit form, one and the scales in the Q8_0 form. */
    public long bytes() {
        if (quants != null) return quants.length + 4L * scales.length;
        return floats() * (halves != null ? 2 : Float.BYTES);
    }

    /** True when {@link #transposed} packs this compact weight in a compact form (not as float32). */
    public static boolean packsCompactly(Tensor w) {
        return w.isCompact() && packsCompact(w.type()) && (w.type() != ElementType.Q8_0 || w.cols() % 32 == 0);
    }

    /** Bytes {@link #transposed} would hold for a (rows, cols) weight of {@code type}, without packing it. */
    public static long transposedBytes(ElementType type, int rows, int cols) {
        long floats = floatsFor(cols, rows);
        return switch (type) {
            case BF16, F16 -> 2 * floats;
            case Q8_0 -> cols % 32 == 0 ? floats + 4L * (cols / 32) * (floats / cols) : 4 * floats;
            default -> 4 * floats;
        };
    }

    /**
     * The compact form's panels of the block of k-steps from {@code pc} covering columns [jc, jc + nc) (jc starts a
     * panel), widened to floats into {@code dst} from {@code off} in the float32 packing's layout (panel after panel,
     * kc x NR each); returns the floats written. Vector API ({@link Dequant#decode}).
     */
    int widen(int pc, int jc, int nc, float[] dst, int off) {
        int count = widthOf(pc, nc);
        int from = blockOffset(pc) + jc / MicroKernel.NR * blockSteps(pc) * MicroKernel.NR;
        if (quants != null) Q8Panels.widen(quants, scales, panels * MicroKernel.NR, pc, blockSteps(pc), from, jc, count, dst, off);
        else Dequant.decode(halfType, halves, from, count, dst, off);
        return count;
    }

    /** The scalar twin of {@link #widen}. */
    int widenScalar(int pc, int jc, int nc, float[] dst, int off) {
        int count = widthOf(pc, nc);
        int from = blockOffset(pc) + jc / MicroKernel.NR * blockSteps(pc) * MicroKernel.NR;
        if (quants != null) Q8Panels.widenScalar(quants, scales, panels * MicroKernel.NR, pc, blockSteps(pc), from, jc, count, dst, off);
        else Dequant.decodeScalar(halfType, halves, from, count, dst, off);
        return count;
    }

    private int widthOf(int pc, int nc) {
        if (!compact()) throw new IllegalStateException("a float32 packing has nothing to widen");
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
