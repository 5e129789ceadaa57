package org.sparselora4j.models.format;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF v3 file, mapped: magic "GGUF", version 3, tensor count, metadata count, the metadata key/values, the
 * tensor infos (name, dims fastest-first, type, offset), then the tensor data from the next multiple of
 * {@code general.alignment} (default 32). Every length is checked against the bytes left in the file before
 * anything is allocated. Metadata values read as Long (all integer types), Float, Double, Boolean, String or
 * List of those (arrays, possibly nested).
 */
public final class Gguf implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;

    /** A tensor's entry; {@code dims} is GGUF's order (dims[0] = ne0, the fastest, the in features). */
    public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
        public TensorInfo {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        /** The row-major shape: GGUF's dims reversed, so a (ne0 = in, ne1 = out) matrix is (out, in). */
        public int[] shape() {
            int[] s = new int[dims.length];
            for (int i = 0; i < dims.length; i++) s[i] = (int) dims[dims.length - 1 - i];
            return s;
        }

        public long elements() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    private final MappedFile file;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;

    private Gguf(MappedFile file, Map<String, Object> metadata, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Maps the file and parses and validates everything before the tensor data. */
    public static Gguf open(Path path) throws IOException {
        return open(path, WeightStorage.FLOAT32);
    }

    /** Maps the file; with {@link WeightStorage#AS_STORED} the mapping outlives {@link #close} for {@link #matrix}'s views. */
    public static Gguf open(Path path, WeightStorage storage) throws IOException {
        MappedFile file = storage == WeightStorage.AS_STORED ? MappedFile.openKept(path) : MappedFile.open(path);
        try {
            return parse(file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    static boolean looksLike(MappedFile file) {
        return file.size() >= 4 && file.segment().get(MappedFile.INT, 0) == MAGIC;
    }

    private static Gguf parse(MappedFile file) throws ModelFormatException {
        Cursor c = new Cursor(file);
        if (file.size() < 24 || c.u32("magic") != MAGIC) throw file.error("not a GGUF file (no GGUF magic and header)");
        int version = c.u32("version");
        if (version != 3) throw file.error("GGUF version " + version + " is not supported (only 3)");
        long tensorCount = c.u64("tensor count");
        long kvCount = c.u64("metadata count");
        // Each key/value takes at least 13 bytes (key length, type, one-byte value), each tensor info 24.
        c.requireCount(kvCount, 13, "metadata entries");
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key " + i);
            int type = c.u32("type of " + key);
            metadata.put(key, c.value(type, key, 0));
        }
        c.requireCount(tensorCount, 24, "tensor infos");
        List<TensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) infos.add(c.tensorInfo(i));

        long alignment = DEFAULT_ALIGNMENT;
        Object a = metadata.get("general.alignment");
        if (a != null) {
            if (!(a instanceof Long v) || v <= 0 || Long.bitCount(v) != 1 || v > (1 << 20)) {
                throw file.error("general.alignment " + a + " is not a power of two");
            }
            alignment = v;
        }
        long dataStart = (c.offset + alignment - 1) / alignment * alignment;
        long dataBytes = file.size() - dataStart;
        if (dataBytes < 0) throw file.error("truncated: the tensor data would start at " + dataStart + ", past the end");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            long bytes = t.type().bytes(t.elements());
            if (t.offset() % alignment != 0) throw file.error("tensor " + t.name() + " offset " + t.offset() + " is not aligned to " + alignment);
            if (bytes < 0 || t.offset() < 0 || t.offset() > dataBytes || bytes > dataBytes - t.offset()) {
                throw file.error("truncated: tensor " + t.name() + " (" + t.type() + " " + Arrays.toString(t.dims()) + ", "
                        + bytes + " bytes at data offset " + t.offset() + ") runs past the end of the file");
            }
            if (tensors.put(t.name(), new TensorInfo(t.name(), t.dims(), t.type(), dataStart + t.offset())) != null) {
                throw file.error("tensor " + t.name() + " appears twice");
            }
        }
        return new Gguf(file, metadata, tensors);
    }

    public Path path() {
        return file.path();
    }

    /** Key/values in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** Tensor infos by name, in file order; offsets are absolute file positions. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The named tensor, dequantized to float32, in row-major shape ({@link TensorInfo#shape()}). */
    public Tensor read(String name) throws ModelFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw file.error("missing tensor " + name);
        requireLoadable(t);
        if (t.elements() > Integer.MAX_VALUE - 8) throw file.error("tensor " + name + " has " + t.elements() + " elements, over the 2^31 limit");
        float[] out = new float[(int) t.elements()];
        t.type().dequantize(file.segment(), t.offset(), out);
        return Tensor.of(out, t.shape());
    }

    private void requireLoadable(TensorInfo t) throws ModelFormatException {
        if (!t.type().loadable()) {
            throw file.error("tensor " + t.name() + " has type " + t.type() + " (" + t.type().id
                    + "), which this engine cannot use for a weight (F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K only)");
        }
    }

    /**
     * A weight matrix: with the file opened {@link WeightStorage#AS_STORED}, a compact view of its mapped bytes in
     * its own type (F32 is copied to the heap); otherwise {@link #read}, decoded to float32.
     */
    public Tensor matrix(String name) throws ModelFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw file.error("missing tensor " + name);
        requireLoadable(t);
        ElementType type = t.type().elementType();
        if (!file.kept() || type == ElementType.F32) return read(name);
        long bytes = t.type().bytes(t.elements());
        file.require(t.offset(), bytes, "tensor " + name);
        return Tensor.compact(type, file.segment().asSlice(t.offset(), bytes), t.shape());
    }

    @Override
    public void close() {
        file.close();
    }

    /** Reads the header front to back; each read checks the bytes it needs. */
    private static final class Cursor {
        private final MappedFile file;
        long offset;

        Cursor(MappedFile file) {
            this.file = file;
        }

        int u32(String what) throws ModelFormatException {
            int v = file.readInt(offset, what);
            offset += 4;
            return v;
        }

        long u64(String what) throws ModelFormatException {
            long v = file.readLong(offset, what);
            offset += 8;
            return v;
        }

        /** Throws unless {@code count} items of at least {@code minBytes} each can fit in the rest of the file. */
        void requireCount(long count, long minBytes, String what) throws ModelFormatException {
            long left = file.size() - offset;
            if (count < 0 || count > left / minBytes) {
                throw file.error("corrupt: " + count + " " + what + " cannot fit in the " + left + " bytes left");
            }
        }

        String string(String what) throws ModelFormatException {
            long length = u64("length of " + what);
            if (length < 0 || length > file.size() - offset || length > Integer.MAX_VALUE - 8) {
                throw file.error("corrupt: " + what + " has length " + Long.toUnsignedString(length) + " but only "
                        + (file.size() - offset) + " bytes are left");
            }
            String s = new String(file.readBytes(offset, (int) length, what), StandardCharsets.UTF_8);
            offset += length;
            return s;
        }

        Object value(int type, String key, int depth) throws ModelFormatException {
            return switch (type) {
                case 0 -> (long) Byte.toUnsignedInt(file.readByte(offset++, key));
                case 1 -> (long) file.readByte(offset++, key);
                case 2 -> (long) Short.toUnsignedInt(readShort(key));
                case 3 -> (long) readShort(key);
                case 4 -> Integer.toUnsignedLong(u32(key));
                case 5 -> (long) u32(key);
                case 6 -> Float.intBitsToFloat(u32(key));
                case 7 -> {
                    byte b = file.readByte(offset++, key);
                    if (b != 0 && b != 1) throw file.error("corrupt: bool " + key + " has byte " + b);
                    yield b == 1;
                }
                case 8 -> string(key);
                case 9 -> array(key, depth);
                case 10, 11 -> u64(key);
                case 12 -> Double.longBitsToDouble(u64(key));
                default -> throw file.error("corrupt: metadata " + key + " has unknown value type " + type);
            };
        }

        private short readShort(String key) throws ModelFormatException {
            file.require(offset, 2, key);
            short v = file.segment().get(MappedFile.SHORT, offset);
            offset += 2;
            return v;
        }

        private List<Object> array(String key, int depth) throws ModelFormatException {
            if (depth > 8) throw file.error("corrupt: metadata " + key + " nests arrays deeper than 8");
            int elementType = u32("element type of " + key);
            long count = u64("length of " + key);
            long minBytes = switch (elementType) {
                case 0, 1, 7 -> 1;
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 8, 10, 11, 12 -> 8;
                case 9 -> 12;
                default -> throw file.error("corrupt: array " + key + " has unknown element type " + elementType);
            };
            requireCount(count, minBytes, "elements of array " + key);
            List<Object> list = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) list.add(value(elementType, key, depth + 1));
            return list;
        }

        TensorInfo tensorInfo(long index) throws ModelFormatException {
            String name = string("name of tensor " + index);
            int nDims = u32("dimension count of " + name);
            if (nDims < 1 || nDims > MAX_DIMS) throw file.error("corrupt: tensor " + name + " has " + nDims + " dimensions");
            long[] dims = new long[nDims];
            long elements = 1;
            for (int i = 0; i < nDims; i++) {
                dims[i] = u64("dimension of " + name);
                if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) throw file.error("corrupt: tensor " + name + " has dimension " + dims[i]);
                try {
                    elements = Math.multiplyExact(elements, dims[i]);
                } catch (ArithmeticException e) {
                    throw file.error("corrupt: tensor " + name + " dimensions " + Arrays.toString(dims) + " overflow");
                }
            }
            int typeId = u32("type of " + name);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                String known = GgmlType.unknownName(typeId);
                throw file.error("tensor " + name + (known == null ? " has unknown type " + typeId
                        : " has type " + known + " (" + typeId + "), which this engine cannot use for a weight (F32, F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K only)"));
            }
            if (dims[0] % type.blockSize != 0) {
                throw file.error("tensor " + name + ": " + type + " needs rows that are a multiple of " + type.blockSize + ", got " + dims[0]);
            }
            long offset = u64("offset of " + name);
            return new TensorInfo(name, dims, type, offset);
        }
    }
}
