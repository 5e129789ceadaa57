package org.sparselora4j.models.format;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .safetensors} file, mapped: an 8-byte little-endian header length N, N bytes of JSON mapping each
 * tensor name to {dtype, shape, data_offsets [begin, end)} relative to the data that follows the header, and an
 * optional {@code __metadata__} map of strings. The header is validated whole when opened (offsets inside the
 * data, sizes equal to product(shape)·dtype bytes, no overlaps); {@link #read} converts F32, F16 and BF16 to float32.
 */
public final class Safetensors implements AutoCloseable {
    /** The largest header accepted; the safetensors library refuses more than this too. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Element types of the format, with their byte sizes. */
    public enum Dtype {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
        I32(4), U32(4), F32(4), F64(8), I64(8), U64(8);

        final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor's header entry; {@code begin} and {@code end} are absolute file offsets. */
    public record Info(String name, Dtype dtype, int[] shape, long begin, long end) {
        public Info {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public long elements() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    private final MappedFile file;
    private final Map<String, Info> tensors;
    private final Map<String, String> metadata;

    private Safetensors(MappedFile file, Map<String, Info> tensors, Map<String, String> metadata) {
        this.file = file;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Maps the file and validates its header. */
    public static Safetensors open(Path path) throws IOException {
        return open(path, WeightStorage.FLOAT32);
    }

    /** Maps the file; with {@link WeightStorage#AS_STORED} the mapping outlives {@link #close} for {@link #matrix}'s views. */
    public static Safetensors open(Path path, WeightStorage storage) throws IOException {
        MappedFile file = storage == WeightStorage.AS_STORED ? MappedFile.openKept(path) : MappedFile.open(path);
        try {
            return parse(file);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Whether the first bytes look like a safetensors header: a length below 2^32 (a llama2.c header has a positive
     * int there) followed by '{'. Whether the length fits the file is for {@link #open} to report.
     */
    static boolean looksLike(MappedFile file) {
        if (file.size() < 9) return false;
        long n = file.segment().get(MappedFile.LONG, 0);
        return n >>> 32 == 0 && file.segment().get(ValueLayout.JAVA_BYTE, 8) == '{';
    }

    private static Safetensors parse(MappedFile file) throws ModelFormatException {
        if (file.size() < 8) throw file.error("truncated: " + file.size() + " bytes is shorter than a safetensors header length");
        long headerBytes = file.readLong(0, "header length");
        if (headerBytes < 2 || headerBytes > file.size() - 8) {
            throw file.error("safetensors header length " + headerBytes + " does not fit in a file of " + file.size() + " bytes");
        }
        if (headerBytes > MAX_HEADER_BYTES) {
            throw file.error("safetensors header length " + headerBytes + " exceeds the limit of " + MAX_HEADER_BYTES);
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(file.readUtf8(8, (int) headerBytes, "header").stripTrailing());
        } catch (IllegalArgumentException e) {
            throw file.error("safetensors header is not a JSON object: " + e.getMessage());
        }
        long dataStart = 8 + headerBytes;
        long dataBytes = file.size() - dataStart;
        Map<String, Info> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) throw file.error("__metadata__ is not an object");
                for (Map.Entry<?, ?> kv : m.entrySet()) {
                    if (!(kv.getValue() instanceof String s)) throw file.error("__metadata__ value of " + kv.getKey() + " is not a string");
                    metadata.put((String) kv.getKey(), s);
                }
                continue;
            }
            tensors.put(name, info(file, name, e.getValue(), dataStart, dataBytes));
        }
        List<Info> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(Info::begin));
        for (int i = 1; i < byOffset.size(); i++) {
            if (byOffset.get(i).begin() < byOffset.get(i - 1).end()) {
                throw file.error("tensors " + byOffset.get(i - 1).name() + " and " + byOffset.get(i).name() + " overlap");
            }
        }
        return new Safetensors(file, tensors, metadata);
    }

    private static Info info(MappedFile file, String name, Object value, long dataStart, long dataBytes) throws ModelFormatException {
        if (!(value instanceof Map<?, ?> entry)) throw file.error("tensor " + name + ": header entry is not an object");
        if (!(entry.get("dtype") instanceof String dtypeName)) throw file.error("tensor " + name + ": no dtype");
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeName);
        } catch (IllegalArgumentException ex) {
            throw file.error("tensor " + name + ": unknown dtype " + dtypeName);
        }
        if (!(entry.get("shape") instanceof List<?> shapeList)) throw file.error("tensor " + name + ": no shape");
        int[] shape = new int[shapeList.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw file.error("tensor " + name + ": bad shape " + shapeList);
            }
            shape[i] = (int) (long) d;
            elements = multiply(file, name, elements, d);
        }
        if (!(entry.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw file.error("tensor " + name + ": data_offsets is not a pair of integers");
        }
        if (begin < 0 || end < begin || end > dataBytes) {
            throw file.error("tensor " + name + ": data_offsets [" + begin + ", " + end + ") outside the " + dataBytes
                    + " data bytes (truncated?)");
        }
        long bytes = multiply(file, name, elements, dtype.bytes);
        if (end - begin != bytes) {
            throw file.error("tensor " + name + ": " + dtype + " " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes but data_offsets span " + (end - begin));
        }
        return new Info(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    private static long multiply(MappedFile file, String name, long a, long b) throws ModelFormatException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw file.error("tensor " + name + ": size overflows");
        }
    }

    public Path path() {
        return file.path();
    }

    /** Header entries by name, in header order. */
    public Map<String, Info> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The named tensor as float32 (F32, F16 or BF16 in the file). */
    public Tensor read(String name) throws ModelFormatException {
        Info info = tensors.get(name);
        if (info == null) throw file.error("missing tensor " + name);
        long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) throw file.error("tensor " + name + " has " + n + " elements, over this engine's 2^31 limit");
        float[] out = new float[(int) n];
        MemorySegment seg = file.segment();
        long at = info.begin();
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(seg, MappedFile.FLOAT, at, out, 0, out.length);
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(seg.get(MappedFile.SHORT, at + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = bf16ToFloat(seg.get(MappedFile.SHORT, at + 2L * i));
            }
            default -> throw file.error("tensor " + name + " has dtype " + info.dtype() + "; only F32, F16 and BF16 load as weights");
        }
        return Tensor.of(out, info.shape());
    }

    /**
     * A weight matrix: with the file opened {@link WeightStorage#AS_STORED}, a BF16 or F16 tensor is a compact view of
     * the mapped bytes (nothing copied); anything else, or a file opened for float32, is {@link #read}.
     */
    public Tensor matrix(String name) throws ModelFormatException {
        Info info = tensors.get(name);
        if (info == null) throw file.error("missing tensor " + name);
        ElementType type = switch (info.dtype()) {
            case BF16 -> ElementType.BF16;
            case F16 -> ElementType.F16;
            default -> null;
        };
        if (!file.kept() || type == null) return read(name);
        return Tensor.compact(type, file.segment().asSlice(info.begin(), info.end() - info.begin()), info.shape());
    }

    /** bfloat16 is the top half of a float32. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    @Override
    public void close() {
        file.close();
    }
}
