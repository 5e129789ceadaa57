package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.ElementType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decodes stored weight elements ({@link ElementType}) into float32: elements [e, e + n) of a tensor whose
 * elements are blocks laid end to end in {@code src} (rows are whole blocks, so element e of a (rows, cols)
 * matrix is element e % cols of row e / cols). One routine per type, each a Vector API version ({@link #decode})
 * beside its scalar twin ({@link #decodeScalar}), which is llama.cpp's definition read literally; both give the
 * same bits (the same float operations in the same order). {@link #decodeOne} decodes a single element, for
 * gathers of scattered columns.
 */
public final class Dequant {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int V = F.length();
    /** Bytes and shorts with as many lanes as F; the block kernels need at least 8 lanes (64-bit byte vectors). */
    private static final VectorSpecies<Byte> B = V >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Short> S = V >= 4 ? VectorSpecies.of(short.class, VectorShape.forBitSize(V * 16)) : null;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** A block decoded whole when only part of it is wanted. */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[256]);

    private Dequant() {
    }

    /** Elements [element, element + n) of {@code src} (stored as {@code type}) into dst[off, off + n), Vector API. */
    public static void decode(ElementType type, MemorySegment src, long element, int n, float[] dst, int off) {
        decode(type, src, element, n, dst, off, true);
    }

    /** The scalar twin of {@link #decode}: the definitions, element by element. */
    public static void decodeScalar(ElementType type, MemorySegment src, long element, int n, float[] dst, int off) {
        decode(type, src, element, n, dst, off, false);
    }

    private static void decode(ElementType type, MemorySegment src, long element, int n, float[] dst, int off, boolean simd) {
        switch (type) {
            case F32 -> {
                if (simd) MemorySegment.copy(src, FLOAT, element * 4, dst, off, n);
                else for (int i = 0; i < n; i++) dst[off + i] = src.get(FLOAT, (element + i) * 4);
            }
            case BF16 -> {
                if (simd && S != null) bf16(src, element * 2, n, dst, off);
                else for (int i = 0; i < n; i++) dst[off + i] = bf16ToFloat(src.get(SHORT, (element + i) * 2));
            }
            case F16 -> {
                if (simd && S != null) f16(src, element * 2, n, dst, off);
                else for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(src.get(SHORT, (element + i) * 2));
            }
            default -> blocks(type, src, element, n, dst, off, simd && B != null);
        }
    }

    /** A block type: whole blocks decoded straight into dst, a partial first or last one through a scratch block. */
    private static void blocks(ElementType type, MemorySegment src, long element, int n, float[] dst, int off, boolean simd) {
        if (n == 0) return;
        int bs = type.blockSize(), bb = type.blockBytes();
        long end = element + n;
        for (long b = element / bs; b * bs < end; b++) {
            long start = b * bs;
            long from = Math.max(element, start), to = Math.min(end, start + bs);
            int at = off + (int) (from - element);
            if (from == start && to == start + bs) {
                block(type, src, b * bb, dst, at, simd);
            } else {
                float[] tmp = PARTIAL.get();
                block(type, src, b * bb, tmp, 0, simd);
                System.arraycopy(tmp, (int) (from - start), dst, at, (int) (to - from));
            }
        }
    }

    private static void block(ElementType type, MemorySegment src, long at, float[] dst, int off, boolean simd) {
        switch (type) {
            case Q8_0 -> { if (simd) q8_0(src, at, dst, off); else q8_0Scalar(src, at, dst, off); }
            case Q4_0 -> { if (simd) q4_0(src, at, dst, off); else q4_0Scalar(src, at, dst, off); }
            case Q4_K -> { if (simd) q4K(src, at, dst, off); else q4KScalar(src, at, dst, off); }
            case Q6_K -> { if (simd) q6K(src, at, dst, off); else q6KScalar(src, at, dst, off); }
            default -> throw new IllegalArgumentException(type + " has no blocks");
        }
    }

    /** bfloat16 bits to float32: they are its top 16 bits. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Element {@code element} of {@code src} as float32. */
    public static float decodeOne(ElementType type, MemorySegment src, long element) {
        int bs = type.blockSize();
        long at = element / bs * type.blockBytes();
        int i = (int) (element % bs);
        return switch (type) {
            case F32 -> src.get(FLOAT, element * 4);
            case BF16 -> bf16ToFloat(src.get(SHORT, element * 2));
            case F16 -> Float.float16ToFloat(src.get(SHORT, element * 2));
            case Q8_0 -> half(src, at) * src.get(BYTE, at + 2 + i);
            case Q4_0 -> {
                int q = src.get(BYTE, at + 2 + (i & 15));
                yield half(src, at) * ((i < 16 ? q & 0xF : (q >> 4) & 0xF) - 8);
            }
            case Q4_K -> {
                int chunk = i / 64, within = i % 64, sub = 2 * chunk + within / 32;
                int q = src.get(BYTE, at + 16 + 32 * chunk + within % 32);
                int nibble = within < 32 ? q & 0xF : (q >> 4) & 0xF;
                float d1 = half(src, at) * scaleK4(src, at + 4, sub), m1 = half(src, at + 2) * minK4(src, at + 4, sub);
                yield d1 * nibble - m1;
            }
            case Q6_K -> {
                int half128 = i / 128, r = i % 128, quarter = r / 32, l = r % 32;
                long ql = at + 64L * half128, qh = at + 128 + 32L * half128, sc = at + 192 + 8L * half128;
                int low = src.get(BYTE, ql + l + (quarter % 2 == 1 ? 32 : 0));
                int nibble = quarter < 2 ? low & 0xF : (low >> 4) & 0xF;
                int high = (src.get(BYTE, qh + l) >> (2 * quarter)) & 3;
                float d = half(src, at + 208) * src.get(BYTE, sc + l / 16 + 2 * quarter);
                yield d * ((nibble | high << 4) - 32);
            }
        };
    }

    private static float half(MemorySegment src, long at) {
        return Float.float16ToFloat(src.get(SHORT, at));
    }

    // ---- 16-bit floats ----

    private static void bf16(MemorySegment src, long at, int n, float[] dst, int off) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += V) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, at + 2L * i, LE);
            IntVector bits = ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16);
            bits.reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < n; i++) dst[off + i] = bf16ToFloat(src.get(SHORT, at + 2L * i));
    }

    /**
     * IEEE half to float by bits: sign to bit 31, exponent and mantissa shifted to a float's place and scaled by
     * 2^112 (the difference of the biases), which also makes half subnormals exact; infinities and NaNs (exponent
     * 31) get the float's all-ones exponent instead.
     */
    private static void f16(MemorySegment src, long at, int n, float[] dst, int off) {
        int i = 0;
        FloatVector scale = FloatVector.broadcast(F, 0x1p112f);
        for (int end = F.loopBound(n); i < end; i += V) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, at + 2L * i, LE);
            IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            FloatVector value = magnitude.reinterpretAsFloats().mul(scale);
            var special = h.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
            IntVector bits = value.reinterpretAsInts().blend(magnitude.or(0x7F800000), special).or(sign);
            bits.reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < n; i++) dst[off + i] = Float.float16ToFloat(src.get(SHORT, at + 2L * i));
    }

    // ---- Q8_0: d (f16), q[32] (int8); x = d·q ----

    static void q8_0Scalar(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at);
        for (int i = 0; i < 32; i++) dst[off + i] = d * src.get(BYTE, at + 2 + i);
    }

    static void q8_0(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at);
        for (int i = 0; i < 32; i += V) {
            FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, src, at + 2 + i, LE).convertShape(VectorOperators.B2F, F, 0);
            q.mul(d).intoArray(dst, off + i);
        }
    }

    // ---- Q4_0: d (f16), qs[16]; x[i] = d·((qs[i] & 15) − 8), x[i + 16] = d·((qs[i] >> 4) − 8) ----

    static void q4_0Scalar(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at);
        for (int i = 0; i < 16; i++) {
            int q = src.get(BYTE, at + 2 + i);
            dst[off + i] = d * ((q & 0xF) - 8);
            dst[off + i + 16] = d * (((q >> 4) & 0xF) - 8);
        }
    }

    static void q4_0(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at);
        for (int i = 0; i < 16; i += V) {
            ByteVector q = ByteVector.fromMemorySegment(B, src, at + 2 + i, LE);
            nibbleFloats(q.and((byte) 0xF)).sub(8f).mul(d).intoArray(dst, off + i);
            nibbleFloats(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)).sub(8f).mul(d).intoArray(dst, off + i + 16);
        }
    }

    private static FloatVector nibbleFloats(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }

    // ---- Q4_K: d, dmin (f16), scales[12] (eight 6-bit scales and mins), qs[128] ----

    /** llama.cpp's get_scale_min_k4, the scale half: sub-blocks 0..3 in the low 6 bits of bytes 0..3, 4..7 split. */
    private static int scaleK4(MemorySegment src, long scales, int j) {
        if (j < 4) return src.get(BYTE, scales + j) & 63;
        return (src.get(BYTE, scales + j + 4) & 0xF) | ((src.get(BYTE, scales + j - 4) & 0xFF) >> 6) << 4;
    }

    /** The min half of get_scale_min_k4. */
    private static int minK4(MemorySegment src, long scales, int j) {
        if (j < 4) return src.get(BYTE, scales + j + 4) & 63;
        return ((src.get(BYTE, scales + j + 4) & 0xFF) >> 4) | ((src.get(BYTE, scales + j) & 0xFF) >> 6) << 4;
    }

    static void q4KScalar(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at), dmin = half(src, at + 2);
        for (int chunk = 0; chunk < 4; chunk++) {
            float d1 = d * scaleK4(src, at + 4, 2 * chunk), m1 = dmin * minK4(src, at + 4, 2 * chunk);
            float d2 = d * scaleK4(src, at + 4, 2 * chunk + 1), m2 = dmin * minK4(src, at + 4, 2 * chunk + 1);
            long q = at + 16 + 32L * chunk;
            int o = off + 64 * chunk;
            for (int l = 0; l < 32; l++) {
                int b = src.get(BYTE, q + l);
                dst[o + l] = d1 * (b & 0xF) - m1;
                dst[o + 32 + l] = d2 * ((b >> 4) & 0xF) - m2;
            }
        }
    }

    static void q4K(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at), dmin = half(src, at + 2);
        for (int chunk = 0; chunk < 4; chunk++) {
            float d1 = d * scaleK4(src, at + 4, 2 * chunk), m1 = dmin * minK4(src, at + 4, 2 * chunk);
            float d2 = d * scaleK4(src, at + 4, 2 * chunk + 1), m2 = dmin * minK4(src, at + 4, 2 * chunk + 1);
            long q = at + 16 + 32L * chunk;
            int o = off + 64 * chunk;
            for (int l = 0; l < 32; l += V) {
                ByteVector b = ByteVector.fromMemorySegment(B, src, q + l, LE);
                nibbleFloats(b.and((byte) 0xF)).mul(d1).sub(m1).intoArray(dst, o + l);
                nibbleFloats(b.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)).mul(d2).sub(m2).intoArray(dst, o + 32 + l);
            }
        }
    }

    // ---- Q6_K: ql[128] (low nibbles), qh[64] (high bit pairs), scales[16] (int8), d (f16) ----

    static void q6KScalar(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at + 208);
        for (int h = 0; h < 2; h++) {
            long ql = at + 64L * h, qh = at + 128 + 32L * h, sc = at + 192 + 8L * h;
            int o = off + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = src.get(BYTE, ql + l), b = src.get(BYTE, ql + l + 32), hb = src.get(BYTE, qh + l);
                int q1 = ((a & 0xF) | ((hb & 3) << 4)) - 32;
                int q2 = ((b & 0xF) | (((hb >> 2) & 3) << 4)) - 32;
                int q3 = (((a >> 4) & 0xF) | (((hb >> 4) & 3) << 4)) - 32;
                int q4 = (((b >> 4) & 0xF) | (((hb >> 6) & 3) << 4)) - 32;
                dst[o + l] = d * src.get(BYTE, sc + is) * q1;
                dst[o + l + 32] = d * src.get(BYTE, sc + is + 2) * q2;
                dst[o + l + 64] = d * src.get(BYTE, sc + is + 4) * q3;
                dst[o + l + 96] = d * src.get(BYTE, sc + is + 6) * q4;
            }
        }
    }

    static void q6K(MemorySegment src, long at, float[] dst, int off) {
        float d = half(src, at + 208);
        for (int h = 0; h < 2; h++) {
            long ql = at + 64L * h, qh = at + 128 + 32L * h, sc = at + 192 + 8L * h;
            int o = off + 128 * h;
            // V divides 16, so one vector of l stays inside one sub-block of 16 (one scale per quarter).
            for (int l = 0; l < 32; l += V) {
                int is = l / 16;
                ByteVector a = ByteVector.fromMemorySegment(B, src, ql + l, LE);
                ByteVector b = ByteVector.fromMemorySegment(B, src, ql + l + 32, LE);
                ByteVector hb = ByteVector.fromMemorySegment(B, src, qh + l, LE);
                ByteVector q1 = a.and((byte) 0xF).or(hb.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q2 = b.and((byte) 0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                ByteVector q4 = b.lanewise(VectorOperators.LSHR, 4).and((byte) 0xF)
                        .or(hb.lanewise(VectorOperators.LSHR, 6).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                nibbleFloats(q1.sub((byte) 32)).mul(d * src.get(BYTE, sc + is)).intoArray(dst, o + l);
                nibbleFloats(q2.sub((byte) 32)).mul(d * src.get(BYTE, sc + is + 2)).intoArray(dst, o + l + 32);
                nibbleFloats(q3.sub((byte) 32)).mul(d * src.get(BYTE, sc + is + 4)).intoArray(dst, o + l + 64);
                nibbleFloats(q4.sub((byte) 32)).mul(d * src.get(BYTE, sc + is + 6)).intoArray(dst, o + l + 96);
            }
        }
    }
}
