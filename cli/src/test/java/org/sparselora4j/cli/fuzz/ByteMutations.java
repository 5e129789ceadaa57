package org.sparselora4j.cli.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutations of raw bytes, for any format: bit flips, random bytes, truncation, lying sizes and counts (boundary
 * int32/int64 values written over the header), inserted, deleted and repeated ranges, invalid UTF-8.
 */
final class ByteMutations {
    /** Sizes and counts a lying header might hold. */
    static final long[] INTERESTING = {0, 1, 2, 3, 7, 8, 16, 31, 32, 255, 256, 4096, 65535, 65536, 1 << 24, 1 << 30,
            Integer.MAX_VALUE - 8, Integer.MAX_VALUE, 1L << 31, 1L << 32, (1L << 32) + 8, 1L << 40, 1L << 62, Long.MAX_VALUE,
            -1, -2, -8, -32, Integer.MIN_VALUE, Long.MIN_VALUE};

    /** Invalid UTF-8: a lone continuation byte, an overlong NUL, a surrogate, a truncated sequence, 0xFF. */
    static final byte[][] BAD_UTF8 = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {0}};

    /** How much of the file counts as its header: most size fields live in the first few KiB. */
    private static final int HEADER = 4096;

    private ByteMutations() {
    }

    /** All of them. */
    static List<Mutation> all() {
        return List.of(ByteMutations::flipBits, ByteMutations::randomBytes, ByteMutations::truncate, ByteMutations::lyingInt,
                ByteMutations::lyingLong, ByteMutations::lyingInt, ByteMutations::lyingLong, ByteMutations::insert,
                ByteMutations::delete, ByteMutations::repeat, ByteMutations::badUtf8);
    }

    /** An offset, in the header most of the time, aligned to {@code align} half the time. */
    static int offset(byte[] in, int width, SplittableRandom r) {
        int limit = Math.max(1, in.length - width + 1);
        int o = r.nextInt(10) < 7 ? r.nextInt(Math.min(limit, HEADER)) : r.nextInt(limit);
        if (r.nextBoolean()) o -= o % width;
        return o;
    }

    static byte[] flipBits(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length == 0) return in;
        byte[] out = in.clone();
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int o = offset(out, 1, r);
            out[o] ^= (byte) (1 << r.nextInt(8));
        }
        log.append("flip ").append(n).append(" bits; ");
        return out;
    }

    static byte[] randomBytes(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length == 0) return in;
        byte[] out = in.clone();
        int o = offset(out, 1, r);
        int n = Math.min(out.length - o, 1 + r.nextInt(16));
        for (int i = 0; i < n; i++) out[o + i] = (byte) r.nextInt(256);
        log.append("random ").append(n).append(" bytes at ").append(o).append("; ");
        return out;
    }

    static byte[] truncate(byte[] in, SplittableRandom r, StringBuilder log) {
        int n = r.nextBoolean() ? r.nextInt(in.length + 1) : Math.max(0, in.length - 1 - r.nextInt(64));
        log.append("truncate to ").append(n).append("; ");
        return Arrays.copyOf(in, n);
    }

    static byte[] lyingInt(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length < 4) return in;
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        if (r.nextInt(4) == 0) v += r.nextInt(-4, 5);
        int o = offset(in, 4, r);
        byte[] out = in.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(o, (int) v);
        log.append("int32 ").append((int) v).append(" at ").append(o).append("; ");
        return out;
    }

    static byte[] lyingLong(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length < 8) return in;
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        if (r.nextInt(4) == 0) v += r.nextInt(-4, 5);
        int o = offset(in, 8, r);
        byte[] out = in.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(o, v);
        log.append("int64 ").append(v).append(" at ").append(o).append("; ");
        return out;
    }

    static byte[] insert(byte[] in, SplittableRandom r, StringBuilder log) {
        int o = in.length == 0 ? 0 : offset(in, 1, r);
        int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 512);
        byte[] add = new byte[n];
        for (int i = 0; i < n; i++) add[i] = (byte) (r.nextBoolean() ? 0 : r.nextInt(256));
        log.append("insert ").append(n).append(" bytes at ").append(o).append("; ");
        return splice(in, o, 0, add);
    }

    static byte[] delete(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length == 0) return in;
        int o = offset(in, 1, r);
        int n = Math.min(in.length - o, 1 + r.nextInt(r.nextBoolean() ? 8 : 512));
        log.append("delete ").append(n).append(" bytes at ").append(o).append("; ");
        return splice(in, o, n, new byte[0]);
    }

    static byte[] repeat(byte[] in, SplittableRandom r, StringBuilder log) {
        if (in.length == 0) return in;
        int o = offset(in, 1, r);
        int n = Math.min(in.length - o, 1 + r.nextInt(256));
        int times = 1 + r.nextInt(r.nextBoolean() ? 3 : 64);
        byte[] chunk = Arrays.copyOfRange(in, o, o + n);
        byte[] add = new byte[n * times];
        for (int i = 0; i < times; i++) System.arraycopy(chunk, 0, add, i * n, n);
        log.append("repeat ").append(n).append(" bytes at ").append(o).append(" x").append(times).append("; ");
        return splice(in, o, 0, add);
    }

    static byte[] badUtf8(byte[] in, SplittableRandom r, StringBuilder log) {
        byte[] bad = BAD_UTF8[r.nextInt(BAD_UTF8.length)];
        int o = in.length == 0 ? 0 : r.nextInt(in.length);
        log.append("invalid UTF-8 ").append(Arrays.toString(bad)).append(" at ").append(o).append("; ");
        return r.nextBoolean() ? splice(in, o, 0, bad) : splice(in, o, Math.min(bad.length, in.length - o), bad);
    }

    /** {@code in} with {@code remove} bytes at {@code at} replaced by {@code add}. */
    static byte[] splice(byte[] in, int at, int remove, byte[] add) {
        byte[] out = new byte[in.length - remove + add.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(add, 0, out, at, add.length);
        System.arraycopy(in, at + remove, out, at + add.length, in.length - at - remove);
        return out;
    }
}
