package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFilesTest {
    @TempDir
    Path tmp;

    @Test
    void loadsEveryFormatByContent() throws IOException {
        Path bin = SharedModels.require("stories260K.bin");
        Path tok = SharedModels.require("tok512.bin");
        // Names that say nothing: recognition is by content only.
        Path anonymousBin = Files.copy(bin, tmp.resolve("model.dat"));
        Path anonymousGguf = Files.copy(SharedModels.require("stories260K.gguf"), tmp.resolve("other.dat"));

        LoadedModel fromBin = ModelFiles.load(anonymousBin, Optional.of(tok));
        assertThat(fromBin.format()).isEqualTo(ModelFiles.Format.LLAMA2C);
        assertThat(fromBin.tokenizer()).isPresent();
        assertThat(fromBin.description()).contains("llama2.c checkpoint", "model.dat", "vocab 512", "tok512.bin");

        LoadedModel fromGguf = ModelFiles.load(anonymousGguf, Optional.empty());
        assertThat(fromGguf.format()).isEqualTo(ModelFiles.Format.GGUF);
        assertThat(fromGguf.tokenizer()).isPresent();
        assertThat(fromGguf.tokenizer().get().encode("Once upon a time", true, false))
                .containsExactly(fromBin.tokenizer().get().encode("Once upon a time", true, false));

        LoadedModel fromHf = ModelFiles.load(SharedModels.require("stories260K-hf"), Optional.empty());
        assertThat(fromHf.format()).isEqualTo(ModelFiles.Format.HUGGING_FACE_FOLDER);
        assertThat(fromHf.tokenizer()).isEmpty();
        LoadedModel fromFile = ModelFiles.load(SharedModels.require("stories260K-hf").resolve("model.safetensors"), Optional.of(tok));
        assertThat(fromFile.format()).isEqualTo(ModelFiles.Format.SAFETENSORS);

        LlamaWeights reference = fromBin.weights();
        assertThat(WeightsAssert.maxDifference(fromGguf.weights(), reference)).isLessThanOrEqualTo(1e-6f);
        assertThat(WeightsAssert.maxDifference(RopePermutation.convert(fromHf.weights(), Rope.Style.INTERLEAVED), reference)).isLessThanOrEqualTo(1e-6f);
        assertThat(WeightsAssert.maxDifference(RopePermutation.convert(fromFile.weights(), Rope.Style.INTERLEAVED), reference)).isLessThanOrEqualTo(1e-6f);

        LoadedModel q8 = ModelFiles.load(SharedModels.require("stories260K-q8_0.gguf"), Optional.empty());
        assertThat(WeightsAssert.maxDifference(q8.weights(), reference)).isLessThan(0.02f);
    }

    @Test
    void hfFolderCarriesItsTokenizerJson() throws IOException {
        SentencePieceTokenizer sp = Llama2cTokenizerTest.tok512();
        Path dir = tmp.resolve("hf");
        HuggingFaceModel.write(dir, Llama2cCheckpoint.load(SharedModels.require("stories260K.bin")));
        Files.writeString(dir.resolve("tokenizer.json"),
                Json.write(HuggingFaceTokenizerTest.storiesTokenizerJson(sp, HuggingFaceTokenizerTest.legacyNormalizer(), null)));
        LoadedModel m = ModelFiles.load(dir, Optional.empty());
        assertThat(m.tokenizer()).containsInstanceOf(HuggingFaceTokenizer.class);
        assertThat(m.tokenizer().get().encode("Lily's dog", true, true)).containsExactly(sp.encode("Lily's dog", true, true));
        // An explicit tokenizer wins over the carried one.
        assertThat(ModelFiles.load(dir, Optional.of(SharedModels.require("tok512.bin"))).tokenizer())
                .containsInstanceOf(SentencePieceTokenizer.class);
        assertThat(ModelFiles.loadTokenizer(SharedModels.require("stories260K.gguf"), 512).vocabSize()).isEqualTo(512);
        assertThat(ModelFiles.loadTokenizer(dir, 512)).isInstanceOf(HuggingFaceTokenizer.class);
    }

    @Test
    void rejectsMismatchedTokenizer() throws IOException {
        Path bin = SharedModels.require("stories260K.bin");
        byte[] tok = Files.readAllBytes(SharedModels.require("tok512.bin"));
        // One more token than the model's 512.
        ByteBuffer extra = ByteBuffer.allocate(tok.length + 9).order(ByteOrder.LITTLE_ENDIAN);
        extra.put(tok).putFloat(-1f).putInt(1).put((byte) 'z');
        Path bigger = tmp.resolve("tok513.bin");
        Files.write(bigger, extra.array());
        assertThatThrownBy(() -> ModelFiles.load(bin, Optional.of(bigger)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(bigger.toString())
                .hasMessageContaining("do not match");
    }

    @Test
    void reportsUnrecognisedAndBrokenFiles() throws IOException {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "just some text, not a model at all");
        assertThatThrownBy(() -> ModelFiles.load(text, Optional.empty()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(text + ": not a model file this engine knows (no GGUF magic, safetensors header or plausible llama2.c header)");
        Path empty = Files.createFile(tmp.resolve("empty"));
        assertThatThrownBy(() -> ModelFiles.load(empty, Optional.empty())).hasMessageContaining("not a model file");
        assertThatThrownBy(() -> ModelFiles.load(tmp.resolve("absent.bin"), Optional.empty())).hasMessageContaining("no such file");
        assertThatThrownBy(() -> ModelFiles.load(tmp, Optional.empty())).hasMessageContaining("without config.json");

        byte[] bin = Files.readAllBytes(SharedModels.require("stories260K.bin"));
        Path truncated = tmp.resolve("truncated.bin");
        Files.write(truncated, Arrays.copyOf(bin, bin.length - 100));
        assertThatThrownBy(() -> ModelFiles.load(truncated, Optional.empty()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("truncated?");
        byte[] vocab = bin.clone();
        ByteBuffer.wrap(vocab).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -1_000_000_000);
        Path hugeVocab = tmp.resolve("vocab.bin");
        Files.write(hugeVocab, vocab);
        assertThatThrownBy(() -> ModelFiles.load(hugeVocab, Optional.empty()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab -1000000000");

        byte[] st = Files.readAllBytes(SharedModels.require("stories260K-hf/model.safetensors"));
        ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).putLong(0, st.length + 1000L);
        Path longHeader = tmp.resolve("long.safetensors");
        Files.write(longHeader, st);
        assertThatThrownBy(() -> ModelFiles.load(longHeader, Optional.empty()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("does not fit in a file of");

        byte[] gguf = Files.readAllBytes(SharedModels.require("stories260K.gguf"));
        ByteBuffer.wrap(gguf).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 62);
        Path badGguf = tmp.resolve("bad.gguf");
        Files.write(badGguf, gguf);
        assertThatThrownBy(() -> ModelFiles.load(badGguf, Optional.empty()))
                .isInstanceOf(ModelFormatException.class).hasMessageStartingWith(badGguf.toString()).hasMessageContaining("has length");
    }
}
