package org.sparselora4j.cli.fuzz;

import org.sparselora4j.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds a GGUF v3 file for the fuzz seeds: metadata, tensor infos, then data aligned to 32 bytes. */
final class GgufWriter {
    /** The tensor types the seed uses, with their GGUF ids. */
    enum Type {
        F32(0), F16(1), Q8_0(8), BF16(30);

        final int id;

        Type(int id) {
            this.id = id;
        }
    }

    private record Entry(String name, int[] shape, Type type, byte[] data) {
    }

    private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
    private int kvCount;
    private final List<Entry> tensors = new ArrayList<>();

    void string(String key, String value) {
        key(key, 8);
        str(kv, value);
    }

    void u32(String key, int value) {
        key(key, 4);
        kv.writeBytes(le(4).putInt(value).array());
    }

    void f32(String key, float value) {
        key(key, 6);
        kv.writeBytes(le(4).putFloat(value).array());
    }

    /** A key whose value type no GGUF reader knows (for tests of the error). */
    void unknownType(String key) {
        key(key, 99);
    }

    void strings(String key, List<String> values) {
        key(key, 9);
        kv.writeBytes(le(12).putInt(8).putLong(values.size()).array());
        for (String s : values) str(kv, s);
    }

    void ints(String key, int[] values) {
        key(key, 9);
        kv.writeBytes(le(12).putInt(5).putLong(values.length).array());
        for (int v : values) kv.writeBytes(le(4).putInt(v).array());
    }

    void floats(String key, float[] values) {
        key(key, 9);
        kv.writeBytes(le(12).putInt(6).putLong(values.length).array());
        for (float f : values) kv.writeBytes(le(4).putFloat(f).array());
    }

    void tensor(String name, Tensor t, Type type) {
        float[] v = t.toArray();
        ByteBuffer b;
        switch (type) {
            case F32 -> {
                b = le(4 * v.length);
                for (float f : v) b.putFloat(f);
            }
            case F16 -> {
                b = le(2 * v.length);
                for (float f : v) b.putShort(Float.floatToFloat16(f));
            }
            case BF16 -> {
                b = le(2 * v.length);
                for (float f : v) b.putShort((short) (Float.floatToIntBits(f) >>> 16));
            }
            case Q8_0 -> {
                b = le(v.length / 32 * 34);
                for (int blk = 0; blk < v.length / 32; blk++) {
                    float max = 0;
                    for (int i = 0; i < 32; i++) max = Math.max(max, Math.abs(v[blk * 32 + i]));
                    float d = max / 127f;
                    b.putShort(Float.floatToFloat16(d));
                    for (int i = 0; i < 32; i++) b.put((byte) (d == 0 ? 0 : Math.round(v[blk * 32 + i] / d)));
                }
            }
            default -> throw new IllegalArgumentException(type.name());
        }
        tensors.add(new Entry(name, t.shape().dims(), type, b.array()));
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(le(20).putInt(3).putLong(tensors.size()).putLong(kvCount).array());
        out.writeBytes(kv.toByteArray());
        long offset = 0;
        for (Entry e : tensors) {
            str(out, e.name());
            out.writeBytes(le(4).putInt(e.shape().length).array());
            for (int i = e.shape().length - 1; i >= 0; i--) out.writeBytes(le(8).putLong(e.shape()[i]).array());
            out.writeBytes(le(12).putInt(e.type().id).putLong(offset).array());
            offset += (e.data().length + 31) / 32 * 32;
        }
        pad(out);
        for (Entry e : tensors) {
            out.writeBytes(e.data());
            pad(out);
        }
        return out.toByteArray();
    }

    private void key(String key, int type) {
        kvCount++;
        str(kv, key);
        kv.writeBytes(le(4).putInt(type).array());
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(le(8).putLong(b.length).array());
        out.writeBytes(b);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 32 != 0) out.write(0);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
