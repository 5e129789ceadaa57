package org.sparselora4j.cli.fuzz;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Quantize;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds a GGUF v3 file for the fuzz seeds: metadata, tensor infos, then data aligned to 32 bytes. */
final class GgufWriter {
    /** The tensor types the seeds use, with their GGUF ids. */
    enum Type {
        F32(0, ElementType.F32), F16(1, ElementType.F16), Q4_0(2, ElementType.Q4_0), Q8_0(8, ElementType.Q8_0),
        Q4_K(12, ElementType.Q4_K), Q6_K(14, ElementType.Q6_K), BF16(30, ElementType.BF16);

        final int id;
        final ElementType element;

        Type(int id, ElementType element) {
            this.id = id;
            this.element = element;
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

    /** {@code t} stored as {@code type}: valid blocks, encoded by the engine's own {@link Quantize}. */
    void tensor(String name, Tensor t, Type type) {
        float[] v = t.toArray();
        byte[] data = new byte[(int) type.element.bytes(v.length)];
        Quantize.encode(type.element, v, 0, v.length, MemorySegment.ofArray(data), 0);
        tensors.add(new Entry(name, t.shape().dims(), type, data));
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
