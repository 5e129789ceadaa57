package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void loadsStories260K() throws IOException {
        LlamaWeights w = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        LlamaConfig c = w.config();
        assertThat(c).isEqualTo(new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 10000.0, Rope.Style.INTERLEAVED, 1e-5f, true));
        assertThat(w.classifier()).isSameAs(w.tokenEmbedding());
        // The first float after the header is the embedding's first element; RMSNorm weights are near 1.
        float first = ByteBuffer.wrap(Files.readAllBytes(SharedModels.require("stories260K.bin")), 28, 4)
                .order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertThat(w.tokenEmbedding().get(0, 0)).isEqualTo(first);
        for (float v : w.finalNorm().toArray()) assertThat(Math.abs(v)).isLessThan(20f);
        assertThat(w.layers().get(4).down().shape().dims()).containsExactly(64, 172);
    }

    @Test
    void loadsASeparateClassifierWhenVocabIsNegative() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("stories260K.bin"));
        int classifierBytes = 512 * 64 * 4;
        ByteBuffer b = ByteBuffer.allocate(bytes.length + classifierBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(bytes);
        for (int i = 0; i < 512 * 64; i++) b.putFloat(i * 0.5f);
        b.putInt(20, -512);
        Path untied = tmp.resolve("untied.bin");
        Files.write(untied, b.array());
        LlamaWeights w = Llama2cCheckpoint.load(untied);
        assertThat(w.config().tiedClassifier()).isFalse();
        assertThat(w.classifier()).isNotSameAs(w.tokenEmbedding());
        assertThat(w.classifier().get(3, 5)).isEqualTo((3 * 64 + 5) * 0.5f);
        LlamaWeights tied = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        assertThat(w.tokenEmbedding().toArray()).containsExactly(tied.tokenEmbedding().toArray());
    }

    @Test
    void rejectsTruncatedFile() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("stories260K.bin"));
        Path bad = tmp.resolve("truncated.bin");
        Files.write(bad, Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(bad))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("implies 1056540 bytes but the file has 1056440");
    }

    @Test
    void rejectsHugeVocabBeforeAllocating() throws IOException {
        Path bad = tmp.resolve("vocab.bin");
        Files.write(bad, header(64, 172, 5, 8, 4, -1_000_000_000, 512, 1024));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(bad))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("vocab -1000000000");
    }

    @Test
    void rejectsOverflowingSizes() throws IOException {
        Path bad = tmp.resolve("overflow.bin");
        Files.write(bad, header(Integer.MAX_VALUE - 1, Integer.MAX_VALUE, Integer.MAX_VALUE, 2, 1, Integer.MAX_VALUE, 7, 64));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(bad))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("overflow");
    }

    @Test
    void rejectsBadHeaderValues() throws IOException {
        Path zero = tmp.resolve("zero.bin");
        Files.write(zero, header(64, 0, 5, 8, 4, 512, 512, 64));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(zero)).hasMessageContaining("hidden_dim 0 is not positive");
        Path indivisible = tmp.resolve("heads.bin");
        Files.write(indivisible, header(64, 172, 5, 8, 3, 512, 512, 64));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(indivisible)).hasMessageContaining("not a multiple of n_kv_heads");
        Path tiny = tmp.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);
        assertThatThrownBy(() -> Llama2cCheckpoint.load(tiny)).hasMessageContaining("shorter than the 28-byte");
    }

    /** A llama2.c header followed by {@code extraBytes} zero bytes. */
    static byte[] header(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen, int extraBytes) {
        ByteBuffer b = ByteBuffer.allocate(28 + extraBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {dim, hidden, layers, heads, kvHeads, vocab, seqLen}) b.putInt(v);
        return b.array();
    }
}
