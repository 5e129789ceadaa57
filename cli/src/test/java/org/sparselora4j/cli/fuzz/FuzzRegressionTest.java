package org.sparselora4j.cli.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.PeftAdapter;
import org.sparselora4j.lora.run.Checkpoint;
import org.sparselora4j.lora.run.MetricsLog;
import org.sparselora4j.models.format.Gguf;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.format.WeightStorage;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One case for each bug the fuzz suite found, reduced by hand to what triggered it. */
class FuzzRegressionTest {
    @TempDir
    Path tmp;

    /** Files.readString threw MalformedInputException ("Input length = 1"), naming neither the file nor the problem. */
    @Test
    void invalidUtf8InAJsonFileNamesTheFile() throws IOException {
        Seeds.huggingFaceModel(tmp);
        byte[] config = Files.readAllBytes(tmp.resolve("config.json"));
        config[10] = (byte) 0xFF;
        Files.write(tmp.resolve("config.json"), config);
        assertThatThrownBy(() -> ModelFiles.load(tmp, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessage(tmp.resolve("config.json") + ": not UTF-8 text (invalid byte sequence at byte 10)");

        Path adapter = tmp.resolve("adapter");
        Seeds.peftAdapter(adapter);
        Files.write(adapter.resolve(PeftAdapter.CONFIG), new byte[] {'{', (byte) 0xC0, (byte) 0x80, '}'});
        assertThatThrownBy(() -> PeftAdapter.read(adapter, Seeds.weights())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(adapter.resolve(PeftAdapter.CONFIG) + ": not UTF-8");
    }

    /** Settings that differ threw IllegalArgumentException, a non-numeric next_step NumberFormatException ("For input string"). */
    @Test
    void aCheckpointThatDoesNotFitIsAFormatErrorNamingTheFile() throws IOException {
        List<Var> params = Seeds.checkpointParams();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            tensors.put("param." + i, params.get(i).value());
            tensors.put("adam.m." + i, params.get(i).value());
            tensors.put("adam.v." + i, params.get(i).value());
        }
        Map<String, String> meta = new LinkedHashMap<>(Map.of("format", "sparselora4j-checkpoint-1", "method", "lora",
                "settings", Seeds.CHECKPOINT_KEY, "params", "3", "adam_step", "6", "next_step", "six"));
        SafetensorsWriter.write(tmp.resolve(Checkpoint.FILE), tensors, meta);
        assertThatThrownBy(() -> Checkpoint.restore(tmp, "lora", Seeds.CHECKPOINT_KEY, params, new AdamW(params, AdamW.Config.defaults())))
                .isInstanceOf(ModelFormatException.class).hasMessage(tmp.resolve(Checkpoint.FILE) + ": metadata next_step is \"six\", not a count");
        assertThatThrownBy(() -> Checkpoint.restore(tmp, "lora", "other", params, new AdamW(params, AdamW.Config.defaults())))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("other training settings");
    }

    /** A torn last line (a run killed while appending) made resume fail with a bare JSON error. */
    @Test
    void resumeDropsATornLastMetricsLineAndNamesAnyOtherBadLine() throws IOException {
        Path file = tmp.resolve(MetricsLog.FILE);
        Files.writeString(file, "{\"kind\":\"train\",\"step\":1,\"loss\":2.0}\n{\"kind\":\"train\",\"step\":2,\"loss\":1.5}\n{\"kind\":\"tr");
        new MetricsLog(tmp, 2);
        assertThat(Files.readAllLines(file)).hasSize(2);
        Files.writeString(file, "{\"kind\":\"train\",\"step\":1,\"loss\":2.0}\n{oops\n{\"kind\":\"train\",\"step\":2,\"loss\":1.5}\n");
        assertThatThrownBy(() -> new MetricsLog(tmp, 2)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(file + ": line 2 is not a JSON record");
    }

    /** A resumed run dropped the record of the checkpoint's last step (step s has record s, and s < s is false). */
    @Test
    void resumeKeepsTheRecordOfTheCheckpointsLastStep() throws IOException {
        Seeds.metrics(tmp);
        new MetricsLog(tmp, 3);
        List<String> kinds = Files.readAllLines(tmp.resolve(MetricsLog.FILE)).stream()
                .map(l -> Json.parseObject(l).get("kind") + "@" + Json.parseObject(l).get("step")).toList();
        assertThat(kinds).containsExactly("train@1", "train@2", "train@3");
    }

    /** A byte-level vocabulary missing a byte loaded, then encoding threw IllegalArgumentException. */
    @Test
    void aByteLevelVocabularyMissingAByteIsRefusedWhenLoaded() throws IOException {
        Seeds.byteLevelTokenizer(tmp);
        Path file = tmp.resolve("tokenizer.json");
        Map<String, Object> json = Json.parseObject(Files.readString(file));
        @SuppressWarnings("unchecked")
        Map<String, Object> vocab = (Map<String, Object>) ((Map<String, Object>) json.get("model")).get("vocab");
        vocab.remove("\u00c3");
        Files.writeString(file, Json.write(json));
        assertThatThrownBy(() -> ModelFiles.loadTokenizer(file, 1 << 20)).isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": the byte-level vocabulary has no token for byte 0xC3 and no unk_token");
    }

    /** A character with neither a token nor an unk threw IllegalArgumentException while encoding; Hugging Face drops it. */
    @Test
    void aCharacterWithoutATokenOrUnkIsDropped() throws IOException {
        Seeds.byteLevelTokenizer(tmp);
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, Files.readString(file).replace("\"pre_tokenizer\"", "\"pre_tokenizeR\""));
        Tokenizer t = ModelFiles.loadTokenizer(file, 1 << 20);
        assertThat(t.encode("he he", false, false)).containsExactly(257, 257);
    }

    /** A Replace normalizer without "content" loaded, then encoding threw NullPointerException. */
    @Test
    void aNormalizerWithoutItsStringIsRefusedWhenLoaded() throws IOException {
        Seeds.huggingFaceTokenizer(tmp);
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, Files.readString(file).replace("\"content\":\"\u2581\"", "\"contenu\":\"\u2581\""));
        assertThatThrownBy(() -> ModelFiles.loadTokenizer(tmp, Seeds.VOCAB)).isInstanceOf(ModelFormatException.class)
                .hasMessage(file + ": Replace normalizer has no string content");
    }

    /** Mapped in place, a K-quant model cut short inside its last tensor is refused at load, naming the file. */
    @Test
    void aTruncatedMappedModelIsRefusedAtLoad() throws IOException {
        Path file = tmp.resolve("m.gguf");
        Seeds.ggufStored(file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> ModelFiles.load(file, Optional.empty(), WeightStorage.AS_STORED)).isInstanceOf(ModelFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith(file + ": ").doesNotContain("\n"));
    }

    /** A Q4_K matrix whose rows (32 elements) are not whole 256-element blocks is refused, not mapped. */
    @Test
    void aKQuantRowOfPartBlocksIsRefused() throws IOException {
        GgufWriter g = new GgufWriter();
        g.string("general.architecture", "llama");
        g.tensor("token_embd.weight", Tensor.zeros(8, 256), GgufWriter.Type.Q4_K);
        byte[] bytes = g.bytes();
        // The tensor info's dims (ne0 = 256, ne1 = 8) rewritten to ne0 = 32, ne1 = 64: the same bytes, rows of part blocks.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("token_embd.weight") + "token_embd.weight".length() + 4;
        b.putLong(at, 32).putLong(at + 8, 64);
        Path file = tmp.resolve("m.gguf");
        Files.write(file, bytes);
        assertThatThrownBy(() -> {
            try (Gguf gguf = Gguf.open(file, WeightStorage.AS_STORED)) {
                gguf.matrix("token_embd.weight");
            }
        }).isInstanceOf(ModelFormatException.class).satisfies(e -> assertThat(e.getMessage()).startsWith(file + ": "));
    }

    /** A metadata key holding a line break (and as long as the file) went into the message as is. */
    @Test
    void aCorruptKeyIsQuotedOnOneShortLine() throws IOException {
        GgufWriter g = new GgufWriter();
        g.string("general.architecture", "llama");
        g.unknownType("bad\nkey" + "x".repeat(5000));
        Path file = tmp.resolve("m.gguf");
        Files.write(file, g.bytes());
        assertThatThrownBy(() -> ModelFiles.load(file, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains("bad\\u000akey").hasSizeLessThan(file.toString().length() + 420));
        assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).contains("bad\nkey");
    }

    /** num_hidden_layers 2^30 in config.json made the loader size a list of 2^30 layers (4 GiB) before reading any. */
    @Test
    void aHugeLayerCountIsAMissingTensorNotAHugeAllocation() throws IOException {
        Seeds.huggingFaceModel(tmp);
        Path config = tmp.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"num_hidden_layers\":2", "\"num_hidden_layers\":1073741824"));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> ModelFiles.load(tmp, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing tensor model.layers.2.input_layernorm.weight");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(64L << 20);
    }

    /** The same through llama.block_count in a GGUF file. */
    @Test
    void aHugeGgufBlockCountIsAMissingTensorNotAHugeAllocation() throws IOException {
        Path file = tmp.resolve("m.gguf");
        Seeds.gguf(file);
        byte[] bytes = Files.readAllBytes(file);
        byte[] key = "llama.block_count".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, key) + key.length + 4;
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, 1 << 30);
        Files.write(file, bytes);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> ModelFiles.load(file, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing tensor blk.2.attn_norm.weight");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(64L << 20);
    }

    /** A negative tensor offset (a u64 above 2^63) passed every check and reading it threw IndexOutOfBoundsException. */
    @Test
    void aNegativeGgufTensorOffsetIsRefused() throws IOException {
        Path file = tmp.resolve("m.gguf");
        Seeds.gguf(file);
        byte[] bytes = Files.readAllBytes(file);
        byte[] name = "blk.0.attn_q.weight".getBytes(StandardCharsets.UTF_8);
        int offsetField = indexOf(bytes, name) + name.length + 4 + 8 + 8 + 4; // n_dims, two dims, type
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(offsetField, Integer.MIN_VALUE);
        Files.write(file, bytes);
        assertThatThrownBy(() -> ModelFiles.load(file, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor blk.0.attn_q.weight").hasMessageContaining("at data offset -2147483648");
    }

    /** A shard named "" mapped the folder itself ("No such device"); a missing shard was a bare NoSuchFileException. */
    @Test
    void aShardIndexNamingNoFileOrAMissingOneIsAFormatError() throws IOException {
        Seeds.shardedModel(tmp);
        Path index = tmp.resolve("model.safetensors.index.json");
        String text = Files.readString(index);
        Files.writeString(index, text.replaceFirst("model-00001-of-00002.safetensors", ""));
        assertThatThrownBy(() -> ModelFiles.load(tmp, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(index + ": bad shard file name for ");
        Files.writeString(index, text.replace("model-00002-of-00002.safetensors", "model-00002-of-00003.safetensors"));
        assertThatThrownBy(() -> ModelFiles.load(tmp, Optional.empty())).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(index + ": shard model-00002-of-00003.safetensors (for ").hasMessageEndingWith(") is not in the folder");
    }

    /** A chat template or messages file that is not UTF-8 threw MalformedInputException ("Input length = 1"). */
    @Test
    void aChatFileThatIsNotUtf8NamesTheFile() throws IOException {
        Seeds.chatTokenizerConfig(tmp);
        Path config = tmp.resolve("tokenizer_config.json");
        byte[] bytes = Files.readAllBytes(config);
        bytes[bytes.length - 3] = (byte) 0xFE;
        Files.write(config, bytes);
        assertThatThrownBy(() -> org.sparselora4j.models.chat.ChatTemplates.fromTokenizerConfig(config))
                .isInstanceOf(ModelFormatException.class).hasMessageStartingWith(config + ": not UTF-8 text");
        Path messages = tmp.resolve("chat.json");
        Files.write(messages, new byte[] {'[', (byte) 0xC3, ']'});
        assertThatThrownBy(() -> org.sparselora4j.models.chat.MessagesFile.render(messages, Seeds.template(), true))
                .isInstanceOf(ModelFormatException.class).hasMessageStartingWith(messages + ": not UTF-8 text");
    }

    /** A template nesting 5,000 brackets overflowed the parser's stack (StackOverflowError). */
    @Test
    void aDeeplyNestedTemplateIsATemplateError() {
        String source = "{{ " + "[".repeat(5000) + "1" + "]".repeat(5000) + " }}";
        assertThatThrownBy(() -> org.sparselora4j.models.chat.ChatTemplate.parse(source, "t.jinja", Map.of()))
                .isInstanceOf(org.sparselora4j.models.template.TemplateException.class).hasMessageContaining("t.jinja").hasMessageContaining("nested deeper than 200");
        String blocks = "{% if true %}".repeat(1000) + "x" + "{% endif %}".repeat(1000);
        assertThatThrownBy(() -> org.sparselora4j.models.chat.ChatTemplate.parse(blocks, "t.jinja", Map.of()))
                .isInstanceOf(org.sparselora4j.models.template.TemplateException.class).hasMessageContaining("nested deeper than 200");
    }

    /** A template that drops assistant turns threw IllegalStateException from the span finder. */
    @Test
    void aTemplateThatLosesTheAssistantTurnIsATemplateError() {
        var template = org.sparselora4j.models.chat.ChatTemplate.parse("{% for m in messages %}{{ m['role'] }}{% endfor %}", "t.jinja", Map.of());
        var turns = List.of(new org.sparselora4j.models.chat.ChatMessage(org.sparselora4j.models.chat.ChatMessage.Role.USER, "hi"),
                new org.sparselora4j.models.chat.ChatMessage(org.sparselora4j.models.chat.ChatMessage.Role.ASSISTANT, "yes"));
        assertThatThrownBy(() -> template.renderForTraining(turns)).isInstanceOf(org.sparselora4j.models.template.TemplateException.class)
                .hasMessage("t.jinja: cannot find assistant message 2 in the rendered conversation");
    }

    /** lora_alpha 1e-320 passed as positive (a double) and became 0 as a float: IllegalArgumentException from LoraConfig. */
    @Test
    void anAlphaThatIsZeroAsAFloatIsRefusedNamingTheFile() throws IOException {
        Path adapter = tmp.resolve("adapter");
        Seeds.peftAdapter(adapter);
        Path config = adapter.resolve(PeftAdapter.CONFIG);
        Files.writeString(config, Files.readString(config).replace("\"lora_alpha\":8", "\"lora_alpha\":1e-320"));
        assertThatThrownBy(() -> PeftAdapter.read(adapter, Seeds.weights())).isInstanceOf(ModelFormatException.class)
                .hasMessage(config + ": lora_alpha must be a positive number, got 1.0E-320");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) if (haystack[i + k] != needle[k]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
