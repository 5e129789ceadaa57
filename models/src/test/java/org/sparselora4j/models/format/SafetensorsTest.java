package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir
    Path tmp;

    @Test
    void writerAndReaderRoundTrip() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a.weight", Tensor.randn(random, 1f, 3, 5));
        tensors.put("b.bias", Tensor.randn(random, 1f, 7));
        tensors.put("c.view", Tensor.randn(random, 1f, 4, 2).rows(1, 3));
        Path file = tmp.resolve("x.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        assertThat(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong() % 8).isZero();
        try (Safetensors s = Safetensors.open(file)) {
            assertThat(s.metadata()).containsEntry("format", "pt");
            assertThat(s.tensors().keySet()).containsExactly("a.weight", "b.bias", "c.view");
            for (var e : tensors.entrySet()) {
                Tensor t = s.read(e.getKey());
                assertThat(t.shape().dims()).containsExactly(e.getValue().shape().dims());
                assertThat(t.toArray()).containsExactly(e.getValue().toArray());
            }
        }
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void readsF16AndBf16() throws IOException {
        // 1.5 in F16 is 0x3E00; in BF16 it is 0x3FC0. -2 is 0xC000 in both.
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3E00).putShort((short) 0xC000).putShort((short) 0x3FC0).putShort((short) 0xC000);
        Path file = raw(header, data.array());
        try (Safetensors s = Safetensors.open(file)) {
            assertThat(s.read("h").toArray()).containsExactly(1.5f, -2f);
            assertThat(s.read("b").toArray()).containsExactly(1.5f, -2f);
        }
    }

    @Test
    void rejectsHeaderLengthLargerThanTheFile() throws IOException {
        Path file = tmp.resolve("long.safetensors");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(file, b.array());
        assertThatThrownBy(() -> Safetensors.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("does not fit");
    }

    @Test
    void rejectsBadEntries() throws IOException {
        byte[] data = new byte[16];
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", data, "needs 24 bytes");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", data, "outside the 16 data bytes");
        assertRejected("{\"t\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", data, "unknown dtype Q4");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,16]}}", data, "overflows");
        assertRejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,16]}}", data, "bad shape");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data, "overlap");
        assertRejected("{\"t\": [", data, "not a JSON object");
        Path ints = raw("{\"t\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[0,16]}}", data);
        try (Safetensors s = Safetensors.open(ints)) {
            assertThatThrownBy(() -> s.read("t")).hasMessageContaining("dtype I32");
            assertThatThrownBy(() -> s.read("nope")).hasMessageContaining("missing tensor nope");
        }
    }

    private void assertRejected(String header, byte[] data, String message) throws IOException {
        Path file = raw(header, data);
        assertThatThrownBy(() -> Safetensors.open(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    private int count;

    private Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path file = tmp.resolve("raw" + count++ + ".safetensors");
        Files.write(file, b.array());
        return file;
    }
}
