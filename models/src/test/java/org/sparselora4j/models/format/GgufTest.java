package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufTest {
    @TempDir
    Path tmp;

    @Test
    void f32GgufEqualsLlama2cCheckpoint() throws IOException {
        LlamaWeights bin = Llama2cCheckpoint.load(SharedModels.require("stories260K.bin"));
        LlamaWeights gguf = GgufModel.load(SharedModels.require("stories260K.gguf"));
        assertThat(gguf.config().ropeStyle()).isEqualTo(Rope.Style.INTERLEAVED);
        assertThat(gguf.classifier()).isSameAs(gguf.tokenEmbedding());
        assertThat(WeightsAssert.maxDifference(gguf, bin)).isLessThanOrEqualTo(1e-6f);
    }

    @Test
    void q8GgufDequantizesCloseToF32() throws IOException {
        LlamaWeights f32 = GgufModel.load(SharedModels.require("stories260K.gguf"));
        LlamaWeights q8 = GgufModel.load(SharedModels.require("stories260K-q8_0.gguf"));
        float max = WeightsAssert.maxDifference(q8, f32);
        assertThat(max).isGreaterThan(0f).isLessThan(0.02f);
        try (Gguf g = Gguf.open(SharedModels.require("stories260K-q8_0.gguf"))) {
            assertThat(g.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(g.tensors().get("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
        }
    }

    @Test
    void tokenizerMatchesLlama2c() throws IOException {
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        Tokenizer tok;
        try (Gguf g = Gguf.open(SharedModels.require("stories260K.gguf"))) {
            tok = GgufModel.tokenizer(g).orElseThrow();
        }
        assertThat(tok.vocabSize()).isEqualTo(512);
        assertThat(tok.bos()).isEqualTo(1);
        assertThat(tok.eos()).isEqualTo(2);
        String[] texts = {"Once upon a time, there was a little girl named Lily.", "Tom said:\n\"Hi!\"\n\nThe end.",
                "naïve café ☃ 日本 😀", "", " leading space", "123 + 456 = 579"};
        for (String text : texts) {
            assertThat(tok.encode(text, true, true)).as(text).containsExactly(ref.encode(text, true, true));
            int[] ids = ref.encode(text, true, false);
            assertThat(tok.encode(text, true, false)).as(text).containsExactly(ids);
            assertThat(tok.decode(ids)).as(text).isEqualTo(ref.decode(ids)).isEqualTo(text);
            for (int i = 1; i < ids.length; i++) assertThat(tok.decode(ids[i - 1], ids[i])).isEqualTo(ref.decode(ids[i - 1], ids[i]));
        }
        for (int[] ids : Llama2cTokenizerTest.IDS) assertThat(tok.decode(ids)).isEqualTo(ref.decode(ids));
    }

    @Test
    void readsEveryMetadataType() throws IOException {
        GgufBytes b = new GgufBytes().header(1, 14);
        b.str("u8").u32(0).u8(200);
        b.str("i8").u32(1).u8(0xFF);
        b.str("u16").u32(2).u16(60000);
        b.str("i16").u32(3).u16(-2);
        b.str("u32").u32(4).u32(-1);
        b.str("i32").u32(5).u32(-7);
        b.str("f32").u32(6).f32(1.5f);
        b.str("bool").u32(7).u8(1);
        b.str("str").u32(8).str("héllo");
        b.str("u64").u32(10).u64(1L << 40);
        b.str("i64").u32(11).u64(-3);
        b.str("f64").u32(12).f64(0.25);
        b.str("arr").u32(9).u32(5).u64(3).u32(1).u32(2).u32(3);
        b.str("nested").u32(9).u32(9).u64(2)
                .u32(8).u64(2).str("a").str("b")
                .u32(0).u64(1).u8(9);
        b.str("t").u32(1).u64(2).u32(0).u64(0);
        b.align(32).f32(3f).f32(4f);
        Path file = tmp.resolve("all.gguf");
        Files.write(file, b.bytes());
        try (Gguf g = Gguf.open(file)) {
            var m = g.metadata();
            assertThat(m.get("u8")).isEqualTo(200L);
            assertThat(m.get("i8")).isEqualTo(-1L);
            assertThat(m.get("u16")).isEqualTo(60000L);
            assertThat(m.get("i16")).isEqualTo(-2L);
            assertThat(m.get("u32")).isEqualTo(4294967295L);
            assertThat(m.get("i32")).isEqualTo(-7L);
            assertThat(m.get("f32")).isEqualTo(1.5f);
            assertThat(m.get("bool")).isEqualTo(true);
            assertThat(m.get("str")).isEqualTo("héllo");
            assertThat(m.get("u64")).isEqualTo(1L << 40);
            assertThat(m.get("i64")).isEqualTo(-3L);
            assertThat(m.get("f64")).isEqualTo(0.25);
            assertThat(m.get("arr")).isEqualTo(List.of(1L, 2L, 3L));
            assertThat(m.get("nested")).isEqualTo(List.of(List.of("a", "b"), List.of(9L)));
            assertThat(g.read("t").toArray()).containsExactly(3f, 4f);
        }
    }

    @Test
    void rejectsAHugeStringLengthBeforeAllocating() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("stories260K.gguf"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 62); // length of the first key
        Path bad = write("string.gguf", bytes);
        assertThatThrownBy(() -> Gguf.open(bad))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(bad.toString())
                .hasMessageContaining("has length 4611686018427387904");
    }

    @Test
    void rejectsHugeArrayAndTensorCounts() throws IOException {
        Path arrays = write("array.gguf", new GgufBytes().header(0, 1).str("a").u32(9).u32(8).u64(1L << 61).bytes());
        assertThatThrownBy(() -> Gguf.open(arrays)).hasMessageContaining("elements of array a cannot fit");
        Path counts = write("count.gguf", new GgufBytes().header(1L << 40, 0).bytes());
        assertThatThrownBy(() -> Gguf.open(counts)).hasMessageContaining("tensor infos cannot fit");
        Path kvs = write("kv.gguf", new GgufBytes().header(0, -1).bytes());
        assertThatThrownBy(() -> Gguf.open(kvs)).hasMessageContaining("metadata entries cannot fit");
    }

    @Test
    void rejectsUnknownTensorType() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("stories260K.gguf"));
        int name = indexOf(bytes, "token_embd.weight".getBytes(StandardCharsets.US_ASCII));
        int typeOffset = name + "token_embd.weight".length() + 4 + 2 * 8;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeOffset, 99);
        Path bad = write("type.gguf", bytes);
        assertThatThrownBy(() -> GgufModel.load(bad))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(bad.toString())
                .hasMessageContaining("tensor token_embd.weight has unknown type 99");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeOffset, 6); // Q5_0: known, not usable for a weight
        Path q5 = write("q5.gguf", bytes);
        assertThatThrownBy(() -> GgufModel.load(q5)).hasMessageContaining("token_embd.weight has type Q5_0 (6), which this engine cannot use");
        assertThatThrownBy(() -> GgufModel.load(q5, WeightStorage.AS_STORED)).hasMessageContaining("token_embd.weight has type Q5_0 (6)");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeOffset, 23); // IQ4_XS: named, no storage known
        Path iq = write("iq4xs.gguf", bytes);
        assertThatThrownBy(() -> GgufModel.load(iq, WeightStorage.AS_STORED)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(iq.toString()).hasMessageContaining("tensor token_embd.weight has type IQ4_XS (23), which this engine cannot use");
        // Q2_K's 256-element blocks do not divide the 64-wide rows: the tensor's size cannot match, an error before mapping.
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeOffset, 10);
        Path q2 = write("q2k.gguf", bytes);
        assertThatThrownBy(() -> GgufModel.load(q2, WeightStorage.AS_STORED)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor token_embd.weight: Q2_K needs rows that are a multiple of 256, got 64");
    }

    @Test
    void rejectsTruncatedAndMissingTensors() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedModels.require("stories260K.gguf"));
        Path truncated = write("truncated.gguf", Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> GgufModel.load(truncated))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("truncated: tensor output_norm.weight");
        byte[] renamed = bytes.clone();
        int at = indexOf(renamed, "blk.2.ffn_up.weight".getBytes(StandardCharsets.US_ASCII));
        renamed[at + 4] = 'X';
        Path missing = write("missing.gguf", renamed);
        assertThatThrownBy(() -> GgufModel.load(missing)).hasMessageContaining("missing tensor blk.2.ffn_up.weight");
        byte[] version = bytes.clone();
        version[4] = 2;
        Path v2 = write("v2.gguf", version);
        assertThatThrownBy(() -> Gguf.open(v2)).hasMessageContaining("GGUF version 2 is not supported");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
