package org.sparselora4j.models.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * GGML tensor element types with their GGUF ids and storage: {@code blockSize} elements take {@code blockBytes}
 * bytes. Sizes are known for the common types so every tensor's extent can be checked; {@link #dequantize}
 * handles F32, F16, BF16 and Q8_0 (blocks of 32: an f16 scale d, then 32 int8 q; value = d·q).
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

    /** Whether {@link #dequantize} can decode this type. */
    boolean loadable() {
        return this == F32 || this == F16 || this == BF16 || this == Q8_0;
    }

    /** Bytes of {@code elements} elements (a whole number of blocks), or -1 when that overflows. */
    long bytes(long elements) {
        long blocks = elements / blockSize;
        if (blocks > Long.MAX_VALUE / blockBytes) return -1;
        return blocks * blockBytes;
    }

    /** Decodes {@code out.length} elements stored from byte {@code at} of {@code data} into float32. */
    void dequantize(MemorySegment data, long at, float[] out) {
        switch (this) {
            case F32 -> MemorySegment.copy(data, MappedFile.FLOAT, at, out, 0, out.length);
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(data.get(MappedFile.SHORT, at + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Safetensors.bf16ToFloat(data.get(MappedFile.SHORT, at + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < out.length / 32; b++) {
                    long block = at + (long) b * 34;
                    float d = Float.float16ToFloat(data.get(MappedFile.SHORT, block));
                    for (int i = 0; i < 32; i++) out[b * 32 + i] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + i);
                }
            }
            default -> throw new UnsupportedOperationException("cannot dequantize " + this);
        }
    }
}
