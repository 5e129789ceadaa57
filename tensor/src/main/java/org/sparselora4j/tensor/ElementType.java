package org.sparselora4j.tensor;

/**
 * How a frozen weight's elements are stored: {@code blockSize} consecutive elements of a row take
 * {@code blockBytes} bytes (llama.cpp's ggml definitions; a row is a whole number of blocks). F32 is also how
 * every heap tensor is held; the others are only ever read, through {@link org.sparselora4j.tensor.kernel.Dequant}.
 * <ul>
 * <li>F32, BF16, F16: one element per block, 4 or 2 bytes (bfloat16: the top half of a float32);</li>
 * <li>Q8_0: 32 elements, an f16 scale d then 32 int8 q; x = d·q;</li>
 * <li>Q4_0: 32 elements, an f16 scale d then 16 bytes; element i &lt; 16 is the low nibble of byte i, element
 * i + 16 its high nibble; x = d·(q − 8);</li>
 * <li>Q4_K: 256 elements in 8 sub-blocks of 32: f16 d, f16 dmin, 12 bytes of eight 6-bit scales and mins, 128
 * bytes of nibbles; x = d·sc·q − dmin·m;</li>
 * <li>Q6_K: 256 elements in 16 sub-blocks of 16: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16
 * int8 scales, f16 d; x = d·sc·(q − 32).</li>
 * </ul>
 */
public enum ElementType {
    F32(1, 4), BF16(1, 2), F16(1, 2), Q8_0(32, 34), Q4_0(32, 18), Q4_K(256, 144), Q6_K(256, 210);

    private final int blockSize;
    private final int blockBytes;

    ElementType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Bytes of {@code elements} elements, a whole number of blocks. */
    public long bytes(long elements) {
        if (elements % blockSize != 0) throw new IllegalArgumentException(this + " stores whole blocks of " + blockSize + ", not " + elements + " elements");
        return elements / blockSize * blockBytes;
    }

    /** The type named {@code name} in any case ("bf16", "q4_k"), or null. */
    public static ElementType parse(String name) {
        for (ElementType t : values()) if (t.name().equalsIgnoreCase(name.trim())) return t;
        return null;
    }
}
