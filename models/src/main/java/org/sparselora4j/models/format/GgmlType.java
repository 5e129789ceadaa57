package org.sparselora4j.models.format;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.kernel.Dequant;

import java.lang.foreign.MemorySegment;

/**
 * GGML tensor element types with their GGUF ids and storage: {@code blockSize} elements take {@code blockBytes}
 * bytes. Sizes are known for the common types so every tensor's extent can be checked; the types a frozen
 * weight can be ({@link #elementType}: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, those of a Q4_K_M file) are
 * decoded by {@link Dequant} or used in place.
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
    Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
    Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292), I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4),
    I64(27, 1, 8), F64(28, 1, 8), BF16(30, 1, 2);

    final int id;
    final int blockSize;
    final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The type with GGUF id {@code id}, or null when this engine does not know it. */
    static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }

    /**
     * The name llama.cpp gives a GGUF type id this engine has no storage for (the i-quants and ternary types), or
     * null: only so that an error can name the type a file holds.
     */
    static String unknownName(int id) {
        return switch (id) {
            case 16 -> "IQ2_XXS";
            case 17 -> "IQ2_XS";
            case 18 -> "IQ3_XXS";
            case 19 -> "IQ1_S";
            case 20 -> "IQ4_NL";
            case 21 -> "IQ3_S";
            case 22 -> "IQ2_S";
            case 23 -> "IQ4_XS";
            case 29 -> "IQ1_M";
            case 34 -> "TQ1_0";
            case 35 -> "TQ2_0";
            default -> null;
        };
    }

    /** The engine's type for this one, or null when a weight cannot be stored in it. */
    ElementType elementType() {
        return switch (this) {
            case F32 -> ElementType.F32;
            case F16 -> ElementType.F16;
            case BF16 -> ElementType.BF16;
            case Q8_0 -> ElementType.Q8_0;
            case Q4_0 -> ElementType.Q4_0;
            case Q4_K -> ElementType.Q4_K;
            case Q6_K -> ElementType.Q6_K;
            default -> null;
        };
    }

    /** Whether {@link #dequantize} can decode this type. */
    boolean loadable() {
        return elementType() != null;
    }

    /** Bytes of {@code elements} elements (a whole number of blocks), or -1 when that overflows. */
    long bytes(long elements) {
        long blocks = elements / blockSize;
        if (blocks > Long.MAX_VALUE / blockBytes) return -1;
        return blocks * blockBytes;
    }

    /** Decodes {@code out.length} elements stored from byte {@code at} of {@code data} into float32. */
    void dequantize(MemorySegment data, long at, float[] out) {
        ElementType t = elementType();
        if (t == null) throw new UnsupportedOperationException("cannot dequantize " + this);
        Dequant.decode(t, data.asSlice(at, t.bytes(out.length)), 0, out.length, out, 0);
    }
}
