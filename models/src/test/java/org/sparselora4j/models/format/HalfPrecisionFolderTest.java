package org.sparselora4j.models.format;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A family's HF folder stored as Hugging Face ships it: bfloat16 or float16 tensors in two shards with a
 * {@code model.safetensors.index.json}. Values are rounded to the half type first, so the loaded model equals the
 * rounded float32 one exactly.
 */
class HalfPrecisionFolderTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"BF16", "F16"})
    void aShardedHalfPrecisionQwen3FolderLoads(String dtype) throws IOException {
        Path source = FamilyFormatsTest.family("qwen3").resolve("hf");
        Map<String, Tensor> all = HuggingFaceModel.tensors(HuggingFaceModel.load(source));
        Map<String, Tensor> rounded = new LinkedHashMap<>();
        all.forEach((name, t) -> rounded.put(name, round(t, dtype)));
        List<Map<String, Tensor>> shards = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
        Map<String, Object> weightMap = new LinkedHashMap<>();
        int i = 0;
        for (var e : rounded.entrySet()) {
            int shard = i++ % 2;
            shards.get(shard).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), "model-0000" + (shard + 1) + "-of-00002.safetensors");
        }
        Path dir = tmp.resolve(dtype);
        Files.createDirectories(dir);
        for (int s = 0; s < 2; s++) writeHalf(dir.resolve("model-0000" + (s + 1) + "-of-00002.safetensors"), shards.get(s), dtype);
        Files.writeString(dir.resolve(HuggingFaceModel.INDEX), Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        Files.copy(source.resolve("config.json"), dir.resolve("config.json"));

        LlamaWeights loaded = HuggingFaceModel.load(dir);
        Map<String, Tensor> back = HuggingFaceModel.tensors(loaded);
        assertThat(back.keySet()).isEqualTo(rounded.keySet());
        // Arrays.equals, not AssertJ's containsExactly, which is slow on the 4.9M-element embedding.
        back.forEach((name, t) -> assertThat(Arrays.equals(t.toArray(), rounded.get(name).toArray())).as(name).isTrue());
    }

    private static Tensor round(Tensor t, String dtype) {
        float[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = dtype.equals("BF16") ? Float.intBitsToFloat(Float.floatToIntBits(v[i]) & 0xFFFF0000) : Float.float16ToFloat(Float.floatToFloat16(v[i]));
        }
        return Tensor.of(t.shape(), v);
    }

    /** A safetensors file of 2-byte tensors (values already representable in the type). */
    private static void writeHalf(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        List<short[]> data = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            float[] v = e.getValue().toArray();
            short[] h = new short[v.length];
            for (int i = 0; i < v.length; i++) {
                h[i] = dtype.equals("BF16") ? (short) (Float.floatToIntBits(v[i]) >>> 16) : Float.floatToFloat16(v[i]);
            }
            data.add(h);
            if (header.length() > 1) header.append(',');
            header.append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
                    .append(Json.write(toList(e.getValue().shape().dims()))).append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + 2L * v.length).append("]}");
            offset += 2L * v.length;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        for (short[] d : data) for (short s : d) buf.putShort(s);
        Files.write(file, buf.array());
    }

    private static List<Integer> toList(int[] dims) {
        List<Integer> l = new ArrayList<>();
        for (int d : dims) l.add(d);
        return l;
    }
}
