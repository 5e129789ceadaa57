package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes float32 values into a stored {@link ElementType}, the inverse of {@link Dequant} up to rounding: for
 * {@code --weights} conversions on load and for random weights made directly in a type. Not a hot path (once per
 * weight), so plain loops: round-to-nearest for BF16 and F16; Q8_0 and Q4_0 as llama.cpp's reference quantizers
 * (scale from the largest magnitude); Q4_K and Q6_K with simple per-sub-block ranges (llama.cpp searches for
 * better scales; these are valid blocks of the format, a little less accurate).
 */
public final class Quantize {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantize() {
    }

    /** {@code t} (float32) stored as {@code type} in fresh native memory, row by row (no second float copy). */
    public static Tensor toType(Tensor t, ElementType type) {
        if (t.type() == type) return t;
        if (t.isCompact()) t = t.toFloat32();
        MemorySegment out = Arena.ofAuto().allocate(type.bytes(t.size()), 64);
        float[] row = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.decodeRow(r, row, 0);
            encode(type, row, 0, row.length, out, (long) r * t.cols());
        }
        return Tensor.compact(type, out, t.shape().dims());
    }

    /** Values src[off, off + n) into elements [element, element + n) of {@code dst}; both ends on block bounds. */
    public static void encode(ElementType type, float[] src, int off, int n, MemorySegment dst, long element) {
        int bs = type.blockSize();
        if (n % bs != 0 || element % bs != 0) throw new IllegalArgumentException(type + " encodes whole blocks of " + bs);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case F32 -> dst.set(FLOAT, (element + i) * 4, src[off + i]);
                case BF16 -> dst.set(SHORT, (element + i) * 2, bf16(src[off + i]));
                case F16 -> dst.set(SHORT, (element + i) * 2, Float.floatToFloat16(src[off + i]));
                default -> { }
            }
        }
        if (bs == 1) return;
        for (int b = 0; b < n / bs; b++) {
            long at = (element / bs + b) * type.blockBytes();
            int o = off + b * bs;
            switch (type) {
                case Q8_0 -> q8_0(src, o, dst, at);
                case Q4_0 -> q4_0(src, o, dst, at);
                case Q4_K -> q4K(src, o, dst, at);
                case Q6_K -> q6K(src, o, dst, at);
                default -> throw new IllegalStateException();
            }
        }
    }

    /** float32 to bfloat16, rounding to nearest even (NaN stays NaN). */
    public static short bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void q8_0(float[] x, int o, MemorySegment dst, long at) {
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[o + i]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, at, Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) dst.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) Math.round(x[o + i] * id));
    }

    private static void q4_0(float[] x, int o, MemorySegment dst, long at) {
        float amax = 0, max = 0;
        for (int i = 0; i < 32; i++) {
            if (Math.abs(x[o + i]) > amax) {
                amax = Math.abs(x[o + i]);
                max = x[o + i];
            }
        }
        float d = max / -8, id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, at, Float.floatToFloat16(d));
        for (int i = 0; i < 16; i++) {
            int lo = Math.min(15, (int) (x[o + i] * id + 8.5f)), hi = Math.min(15, (int) (x[o + i + 16] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) (lo | hi << 4));
        }
    }

    /** Eight sub-blocks of 32: x ≈ d·sc·q − dmin·m with q in [0, 15], sc and m 6-bit, packed as get_scale_min_k4 reads them. */
    private static void q4K(float[] x, int o, MemorySegment dst, long at) {
        float[] scale = new float[8], min = new float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float lo = 0, hi = 0;
            for (int i = 0; i < 32; i++) {
                lo = Math.min(lo, x[o + 32 * j + i]);
                hi = Math.max(hi, x[o + 32 * j + i]);
            }
            scale[j] = (hi - lo) / 15;
            min[j] = -lo;
            maxScale = Math.max(maxScale, scale[j]);
            maxMin = Math.max(maxMin, min[j]);
        }
        float d = maxScale / 63, dmin = maxMin / 63;
        // The stored halves are what the decoder multiplies by: quantize against those.
        short dBits = Float.floatToFloat16(d), mBits = Float.floatToFloat16(dmin);
        float dq = Float.float16ToFloat(dBits), mq = Float.float16ToFloat(mBits);
        int[] sc = new int[8], m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = dq > 0 ? Math.min(63, Math.round(scale[j] / dq)) : 0;
            m[j] = mq > 0 ? Math.min(63, Math.round(min[j] / mq)) : 0;
        }
        dst.set(SHORT, at, dBits);
        dst.set(SHORT, at + 2, mBits);
        byte[] s = new byte[12];
        for (int j = 0; j < 4; j++) {
            s[j] = (byte) ((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
            s[j + 4] = (byte) ((m[j] & 63) | (m[j + 4] >> 4) << 6);
            s[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        for (int j = 0; j < 12; j++) dst.set(ValueLayout.JAVA_BYTE, at + 4 + j, s[j]);
        for (int chunk = 0; chunk < 4; chunk++) {
            float d1 = dq * sc[2 * chunk], m1 = mq * m[2 * chunk], d2 = dq * sc[2 * chunk + 1], m2 = mq * m[2 * chunk + 1];
            for (int l = 0; l < 32; l++) {
                int lo = nibble(x[o + 64 * chunk + l], d1, m1), hi = nibble(x[o + 64 * chunk + 32 + l], d2, m2);
                dst.set(ValueLayout.JAVA_BYTE, at + 16 + 32L * chunk + l, (byte) (lo | hi << 4));
            }
        }
    }

    private static int nibble(float v, float d, float m) {
        return d > 0 ? Math.max(0, Math.min(15, Math.round((v + m) / d))) : 0;
    }

    /** Sixteen sub-blocks of 16: x ≈ d·sc·(q − 32) with q in [0, 63], sc int8. */
    private static void q6K(float[] x, int o, MemorySegment dst, long at) {
        float[] scale = new float[16];
        float maxScale = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0;
            for (int i = 0; i < 16; i++) amax = Math.max(amax, Math.abs(x[o + 16 * j + i]));
            scale[j] = amax / 31;
            maxScale = Math.max(maxScale, scale[j]);
        }
        short dBits = Float.floatToFloat16(maxScale / 127);
        float dq = Float.float16ToFloat(dBits);
        int[] sc = new int[16];
        for (int j = 0; j < 16; j++) sc[j] = dq > 0 ? Math.min(127, Math.round(scale[j] / dq)) : 0;
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            float s = dq * sc[i / 16];
            q[i] = s > 0 ? Math.max(0, Math.min(63, Math.round(x[o + i] / s) + 32)) : 32;
        }
        dst.set(SHORT, at + 208, dBits);
        for (int j = 0; j < 16; j++) dst.set(ValueLayout.JAVA_BYTE, at + 192 + j, (byte) sc[j]);
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * h + l], q2 = q[128 * h + l + 32], q3 = q[128 * h + l + 64], q4 = q[128 * h + l + 96];
                dst.set(ValueLayout.JAVA_BYTE, at + 64L * h + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, at + 64L * h + l + 32, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                dst.set(ValueLayout.JAVA_BYTE, at + 128 + 32L * h + l, (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
    }
}
