package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.models.llama.Family;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.RopeScaling;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The families' config.json and GGUF keys, their export, and the one-line errors for what is not supported. */
class FamilyFormatsTest {
    @TempDir
    Path tmp;

    static Path family(String name) {
        Path p = SharedModels.dir().resolveSibling("golden").resolve("families").resolve(name);
        if (!Files.exists(p)) {
            System.out.println("skipped: " + p.toAbsolutePath() + " is absent");
            org.junit.jupiter.api.Assumptions.abort("shared golden families absent");
        }
        return p;
    }

    @Test
    void readsEachFamilysArchitecture() throws IOException {
        LlamaConfig llama3 = HuggingFaceConfig.read(family("llama3").resolve("hf/config.json"));
        assertThat(llama3.architecture().family()).isEqualTo(Family.LLAMA);
        assertThat(llama3.architecture().ropeScaling()).isEqualTo(new RopeScaling.Llama3(32, 1, 4, 8192));
        LlamaConfig qwen2 = HuggingFaceConfig.read(family("qwen2").resolve("hf/config.json"));
        assertThat(qwen2.architecture().qkvBias()).isTrue();
        assertThat(qwen2.architecture().qkNorm()).isFalse();
        assertThat(qwen2.maxSeqLen()).isEqualTo(32768);
        LlamaConfig qwen3 = HuggingFaceConfig.read(family("qwen3").resolve("hf/config.json"));
        assertThat(qwen3.architecture().qkNorm()).isTrue();
        assertThat(qwen3.headSize()).isEqualTo(32);
        assertThat(qwen3.qDim()).isEqualTo(128).isNotEqualTo(qwen3.dim());
        try (Gguf g = Gguf.open(family("qwen3").resolve("model.gguf"))) {
            LlamaConfig c = GgufModel.config(g);
            assertThat(c.ropeStyle()).isEqualTo(Rope.Style.HALF_SPLIT);
            assertThat(c.architecture()).isEqualTo(qwen3.architecture());
        }
    }

    /** The GGUF's rope_freqs divisors give the frequencies the HF config's llama3 scaling gives. */
    @Test
    void ropeFreqsTensorIsTheLlama3Scaling() throws IOException {
        LlamaConfig hf = HuggingFaceConfig.read(family("llama3").resolve("hf/config.json"));
        try (Gguf g = Gguf.open(family("llama3").resolve("model.gguf"))) {
            LlamaConfig gguf = GgufModel.config(g);
            assertThat(gguf.architecture().ropeScaling()).isInstanceOf(RopeScaling.Divisors.class);
            float[] fromHf = hf.architecture().ropeScaling().inverseFrequencies(hf.ropeTheta(), hf.headSize());
            float[] fromGguf = gguf.architecture().ropeScaling().inverseFrequencies(gguf.ropeTheta(), gguf.headSize());
            for (int i = 0; i < fromHf.length; i++) assertThat(fromGguf[i]).isCloseTo(fromHf[i], within(1e-6f * fromHf[i]));
            assertThat(((RopeScaling.Divisors) gguf.architecture().ropeScaling()).asLlama3(gguf.ropeTheta(), gguf.headSize()))
                    .contains(new RopeScaling.Llama3(32, 1, 4, 8192));
        }
    }

    @Test
    void linearScalingDividesEveryFrequency() {
        float[] plain = Rope.plainFrequencies(8, 10000);
        float[] linear = new RopeScaling.Linear(4).inverseFrequencies(10000, 8);
        for (int i = 0; i < plain.length; i++) assertThat(linear[i]).isCloseTo(plain[i] / 4, within(1e-7f));
    }

    /** HF folder → export → load is the identity, for every family; the exported config.json reads back the same. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void exportedFolderLoadsBackTheSame(String name) throws IOException {
        LlamaWeights hf = HuggingFaceModel.load(family(name).resolve("hf"));
        Path dir = tmp.resolve(name);
        HuggingFaceModel.write(dir, hf);
        assertThat(WeightsAssert.maxDifference(HuggingFaceModel.load(dir), hf)).isZero();
    }

    /** A GGUF exported as an HF folder is the HF folder (q/k rows permuted back for llama, rope_freqs as llama3). */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void exportedGgufEqualsTheHfFolder(String name) throws IOException {
        LlamaWeights gguf = GgufModel.load(family(name).resolve("model.gguf"));
        Path dir = tmp.resolve(name + "-from-gguf");
        HuggingFaceModel.write(dir, gguf);
        LlamaWeights reference = HuggingFaceModel.load(family(name).resolve("hf"));
        assertThat(WeightsAssert.maxDifference(HuggingFaceModel.load(dir), reference)).isZero();
    }

    private Path folderWithConfig(String family, String from, String to) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "bad-" + family);
        Files.copy(family(family).resolve("hf/model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(family(family).resolve("hf/config.json"));
        assertThat(config).contains(from);
        Files.writeString(dir.resolve("config.json"), config.replace(from, to));
        return dir;
    }

    @Test
    void unsupportedSettingsAreOneLineErrorsNamingTheField() throws IOException {
        assertThatThrownBy(() -> HuggingFaceModel.load(folderWithConfig("qwen2", "\"model_type\": \"qwen2\"", "\"model_type\": \"gemma2\"")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json: model_type gemma2 is not supported");
        assertThatThrownBy(() -> HuggingFaceModel.load(folderWithConfig("llama3", "\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("rope_scaling type yarn is not supported");
        assertThatThrownBy(() -> HuggingFaceModel.load(folderWithConfig("llama3", "\"attention_bias\": false", "\"attention_bias\": true")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("attention_bias true is not supported");
        assertThatThrownBy(() -> HuggingFaceModel.load(folderWithConfig("llama3", "\"low_freq_factor\": 1.0,", "")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("no rope_scaling.low_freq_factor");
        assertThatThrownBy(() -> HuggingFaceModel.load(folderWithConfig("qwen3", "\"head_dim\": 32", "\"head_dim\": 16")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor model.layers.0.self_attn.q_norm.weight has shape [32], config.json implies [16]");
    }

    @Test
    void aMissingBiasOrNormIsNamed() throws IOException {
        for (String[] c : new String[][] {{"qwen2", "model.layers.1.self_attn.v_proj.bias"}, {"qwen3", "model.layers.0.self_attn.k_norm.weight"}}) {
            Map<String, Tensor> tensors = HuggingFaceModel.tensors(HuggingFaceModel.load(family(c[0]).resolve("hf")));
            tensors.remove(c[1]);
            Path dir = tmp.resolve("missing-" + c[0]);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
            Files.copy(family(c[0]).resolve("hf/config.json"), dir.resolve("config.json"));
            assertThatThrownBy(() -> HuggingFaceModel.load(dir)).isInstanceOf(ModelFormatException.class).hasMessageContaining("missing tensor " + c[1]);
        }
    }

    /** Mistral's sliding window: absent or null is plain attention; a shorter one becomes the context. */
    @Test
    void mistralSlidingWindowBoundsTheContext() throws IOException {
        String base = Files.readString(family("llama3-untied").resolve("hf/config.json")).replace("\"model_type\": \"llama\"", "\"model_type\": \"mistral\"");
        Path file = tmp.resolve("config.json");
        Files.writeString(file, base);
        LlamaConfig plain = HuggingFaceConfig.read(file);
        assertThat(plain.architecture().family()).isEqualTo(Family.MISTRAL);
        assertThat(plain.maxSeqLen()).isEqualTo(8192);
        Files.writeString(file, base.replace("\"rope_scaling\": null,", "\"rope_scaling\": null, \"sliding_window\": 4096,"));
        assertThat(HuggingFaceConfig.read(file).maxSeqLen()).isEqualTo(4096);
        Files.writeString(file, base.replace("\"rope_scaling\": null,", "\"rope_scaling\": null, \"sliding_window\": null,"));
        assertThat(HuggingFaceConfig.read(file).maxSeqLen()).isEqualTo(8192);
        Files.writeString(file, base.replace("\"rope_scaling\": null,", "\"rope_scaling\": null, \"sliding_window\": \"wide\","));
        assertThatThrownBy(() -> HuggingFaceConfig.read(file)).hasMessageContaining("sliding_window wide is not a positive integer");
    }

    @Test
    void unknownGgufArchitectureIsNamed() throws IOException {
        Path file = tmp.resolve("gemma.gguf");
        Files.write(file, new GgufBytes().header(0, 1).str("general.architecture").u32(8).str("gemma2").align(32).bytes());
        assertThatThrownBy(() -> GgufModel.load(file)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("general.architecture gemma2 is not supported (llama, qwen2, qwen3)");
    }
}
