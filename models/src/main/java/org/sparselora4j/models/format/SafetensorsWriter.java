package org.sparselora4j.models.format;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Quantize;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes tensors as a {@code .safetensors} file, as F32, or BF16 or F16 (rounded to nearest): the JSON header (optional {@code __metadata__} first,
 * then the tensors in the map's order) padded with spaces to a multiple of 8 bytes, then the data. The file is
 * written beside the target and renamed over it, so an existing file is never left half-written.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_FLOATS = 1 << 16;

    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} (name → tensor, Hugging Face names) as F32, with the given metadata (may be empty). */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(path, tensors, metadata, ElementType.F32, bytes -> {
        });
    }

    /** As {@link #write(Path, Map, Map)}, telling {@code progress} the bytes written so far after the header and each chunk. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, LongConsumer progress) throws IOException {
        write(path, tensors, metadata, ElementType.F32, progress);
    }

    /** Writes {@code tensors} with every element stored as {@code dtype} (F32, BF16 or F16). */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, ElementType dtype) throws IOException {
        write(path, tensors, metadata, dtype, bytes -> {
        });
    }

    /** Writes {@code tensors} stored as {@code dtype}, telling {@code progress} the bytes written so far. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, ElementType dtype, LongConsumer progress)
            throws IOException {
        if (dtype != ElementType.F32 && dtype != ElementType.BF16 && dtype != ElementType.F16) {
            throw new IllegalArgumentException("safetensors holds F32, BF16 or F16 weights, not " + dtype);
        }
        int width = dtype == ElementType.F32 ? 4 : 2;
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("__metadata__ is not a tensor name");
            Tensor t = e.getValue();
            long end = offset + (long) width * t.size();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", dtype.name());
            entry.put("shape", t.shape().dims());
            entry.put("data_offsets", List.of(offset, end));
            header.put(e.getKey(), entry);
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFile.write(path, channel -> {
            writeFully(channel, head);
            long written = head.limit();
            progress.accept(written);
            ByteBuffer buf = ByteBuffer.allocate(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) {
                Tensor f = t.toFloat32();
                float[] data = f.data();
                for (int from = 0; from < f.size(); from += CHUNK_FLOATS) {
                    int n = Math.min(CHUNK_FLOATS, f.size() - from);
                    buf.clear();
                    if (dtype == ElementType.F32) {
                        buf.asFloatBuffer().put(data, f.offset() + from, n);
                    } else {
                        for (int i = 0; i < n; i++) {
                            float v = data[f.offset() + from + i];
                            buf.putShort(2 * i, dtype == ElementType.BF16 ? Quantize.bf16(v) : Float.floatToFloat16(v));
                        }
                    }
                    buf.limit(width * n);
                    writeFully(channel, buf);
                    written += (long) width * n;
                    progress.accept(written);
                }
            }
        });
    }

    private static void writeFully(FileChannel channel, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) channel.write(buf);
    }
}
