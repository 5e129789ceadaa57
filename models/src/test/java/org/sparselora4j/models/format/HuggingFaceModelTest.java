package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HuggingFaceModelTest {
    @TempDir
    Path tmp;

    @Test
    void hfFolderEqualsLlama2cCheckpointAfterPermutingBack() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        LlamaWeights hf = HuggingFaceModel.load(SharedModels.require("stories260K-hf"));
        assertThat(hf.config().ropeStyle()).isEqualTo(Rope.Style.HALF_SPLIT);
        assertThat(hf.classifier()).isSameAs(hf.tokenEmbedding());
        assertThat(WeightsAssert.maxDifference(RopePermutation.convert(hf, Rope.Style.INTERLEAVED), bin)).isLessThanOrEqualTo(1e-6f);
        // And the raw HF q rows are indeed permuted (not equal to the .bin's).
        assertThat(WeightsAssert.diff("wq", hf.layers().get(0).wq(), bin.layers().get(0).wq())).isGreaterThan(1e-3f);
    }

    @Test
    void exportThenLoadGivesTheSameWeights() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        Path dir = tmp.resolve("export");
        HuggingFaceModel.write(dir, bin);
        LlamaWeights back = HuggingFaceModel.load(dir);
        assertThat(WeightsAssert.maxDifference(RopePermutation.convert(back, Rope.Style.INTERLEAVED), bin)).isZero();
        // The exported file matches the reference HF conversion.
        LlamaWeights reference = HuggingFaceModel.load(SharedModels.require("stories260K-hf"));
        assertThat(WeightsAssert.maxDifference(back, reference)).isLessThanOrEqualTo(1e-6f);
        // Overwriting an existing export works and leaves no temporary files.
        HuggingFaceModel.write(dir, bin);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors");
        }
    }

    @Test
    void loadsAShardedFolder() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        Map<String, Tensor> all = HuggingFaceModel.tensors(bin);
        Map<String, Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        Map<String, Object> weightMap = new LinkedHashMap<>();
        int i = 0;
        for (var e : all.entrySet()) {
            boolean one = i++ % 2 == 0;
            (one ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        Files.writeString(dir.resolve("model.safetensors.index.json"), Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        Files.writeString(dir.resolve("config.json"), HuggingFaceConfig.toJson(bin.config()));
        LlamaWeights back = RopePermutation.convert(HuggingFaceModel.load(dir), Rope.Style.INTERLEAVED);
        assertThat(WeightsAssert.maxDifference(back, bin)).isZero();
    }

    @Test
    void reportsMissingTensorsAndShapeMismatches() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        Map<String, Tensor> tensors = HuggingFaceModel.tensors(bin);
        tensors.remove("model.layers.3.mlp.up_proj.weight");
        Path dir = tmp.resolve("missing");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        Files.writeString(dir.resolve("config.json"), HuggingFaceConfig.toJson(bin.config()));
        assertThatThrownBy(() -> HuggingFaceModel.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing tensor model.layers.3.mlp.up_proj.weight");
        Files.writeString(dir.resolve("config.json"), HuggingFaceConfig.toJson(bin.config()).replace("\"intermediate_size\":172", "\"intermediate_size\":170"));
        assertThatThrownBy(() -> HuggingFaceModel.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("gate_proj.weight has shape [172, 64], config.json implies [170, 64]");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64}");
        assertThatThrownBy(() -> HuggingFaceModel.load(dir)).hasMessageContaining("config.json: no intermediate_size");
    }
}
