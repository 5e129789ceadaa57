package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TinyModels;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Quantize;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Weights used in place from a mapped file, in its own types, against the same file decoded to float32. */
class CompactLoadingTest {
    @TempDir
    Path tmp;

    private static float loss(LlamaWeights w) {
        TokenBatch batch = TinyModels.batch(w.config(), 9);
        return LlamaModel.of(w, LlamaModel.frozen()).loss(batch, 0).value().get(0);
    }

    @Test
    void q8GgufMatricesStayQ8AndComputeTheDecodedModel() throws IOException {
        Path file = SharedModels.require("stories260K-q8_0.gguf");
        LlamaWeights stored = GgufModel.load(file, WeightStorage.AS_STORED);
        LlamaWeights decoded = GgufModel.load(file);
        assertThat(stored.layers().get(0).wq().type()).isEqualTo(ElementType.Q8_0);
        assertThat(stored.layers().get(0).down().type()).isEqualTo(ElementType.F16);
        assertThat(stored.layers().get(0).attnNorm().isCompact()).isFalse();
        assertThat(stored.storageBytes()).isLessThan(decoded.storageBytes() / 3);
        assertThat(WeightsAssert.maxDifference(stored.toFloat32(), decoded)).isEqualTo(0f);
        assertThat(loss(stored)).isCloseTo(loss(decoded), within(1e-4f));
    }

    @Test
    void bf16FolderIsMappedAsBf16() throws IOException {
        LlamaWeights f32 = HuggingFaceModel.load(SharedModels.require("stories260K-hf"));
        Path dir = tmp.resolve("bf16");
        HuggingFaceModel.write(dir, f32, ElementType.BF16);
        LlamaWeights stored = HuggingFaceModel.load(dir, WeightStorage.AS_STORED);
        LlamaWeights decoded = HuggingFaceModel.load(dir);
        Tensor wq = stored.layers().get(1).wq();
        assertThat(wq.isCompact()).isTrue();
        assertThat(wq.type()).isEqualTo(ElementType.BF16);
        assertThat(WeightsAssert.maxDifference(stored.toFloat32(), decoded)).isEqualTo(0f);
        // What was written is each float rounded to bfloat16.
        Tensor expected = Quantize.toType(f32.layers().get(1).wq(), ElementType.BF16).toFloat32();
        assertThat(wq.toFloat32().toArray()).containsExactly(expected.toArray());
        assertThat(loss(stored)).isCloseTo(loss(f32), within(0.05f));
    }
}
