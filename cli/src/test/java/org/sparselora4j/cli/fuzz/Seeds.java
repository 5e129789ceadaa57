package org.sparselora4j.cli.fuzz;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.PeftAdapter;
import org.sparselora4j.lora.run.Checkpoint;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.format.SentencePieceTokenizer;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.sparse.SvdEstimator;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Valid seed inputs for every parser, small enough that a case takes about a millisecond: a model of dim 32 and two
 * layers over a 273-token SentencePiece-style vocabulary (the three specials, 256 byte tokens, 14 pieces), in each
 * file format; its tokenizers; training data; a PEFT adapter, a checkpoint and an estimator file for it.
 */
final class Seeds {
    /** The vocabulary after the specials and byte tokens; pieces hold real spaces. */
    static final List<String> PIECES = List.of(" ", "e", "t", "h", "a", "o", " t", "th", "he", " th", "the", " the", "an", " a");
    static final int VOCAB = 3 + 256 + PIECES.size();
    static final LlamaConfig CONFIG = new LlamaConfig(32, 64, 2, 2, 1, VOCAB, 16, 10000.0, Rope.Style.INTERLEAVED, 1e-5f, false);
    static final String TEXT = "Hello the world, an otter ate the\nnaïve ☃ 日本 😀 <s> 123";

    private Seeds() {
    }

    /** Token i's text: {@code <unk>}, {@code <s>}, {@code </s>}, {@code <0xHH>}, then {@link #PIECES}. */
    static String piece(int i) {
        if (i < 3) return new String[] {"<unk>", "<s>", "</s>"}[i];
        if (i < 259) return String.format("<0x%02X>", i - 3);
        return PIECES.get(i - 259);
    }

    static float score(int i) {
        return i < 259 ? 0f : -(i - 259) * 0.5f;
    }

    static SentencePieceTokenizer tokenizer() {
        byte[][] pieces = new byte[VOCAB][];
        float[] scores = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            pieces[i] = piece(i).getBytes(StandardCharsets.UTF_8);
            scores[i] = score(i);
        }
        return new SentencePieceTokenizer(pieces, scores, 1, 2);
    }

    static LlamaWeights weights() {
        return LlamaInit.random(CONFIG, 11);
    }

    /** A llama2.c {@code .bin} with a separate classifier (negative vocab_size). */
    static void llama2c(Path file) throws IOException {
        LlamaConfig c = CONFIG;
        long kv = c.kvDim();
        long floats = (long) c.vocabSize() * c.dim() + c.layers() * (2L * c.dim() + 2L * c.dim() * c.dim() + 2L * kv * c.dim()
                + 3L * c.hiddenDim() * c.dim()) + c.dim() + (long) c.maxSeqLen() * c.headSize() + (long) c.vocabSize() * c.dim();
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * (int) floats).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.layers()).putInt(c.heads()).putInt(c.kvHeads()).putInt(-c.vocabSize()).putInt(c.maxSeqLen());
        SplittableRandom r = new SplittableRandom(1);
        for (long i = 0; i < floats; i++) b.putFloat((float) r.nextGaussian() * 0.05f);
        Files.write(file, b.array());
    }

    /** llama2.c's {@code tokenizer.bin} of the vocabulary. */
    static void llama2cTokenizer(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(16);
        for (int i = 0; i < VOCAB; i++) {
            byte[] p = piece(i).getBytes(StandardCharsets.UTF_8);
            b.putFloat(score(i)).putInt(p.length).put(p);
        }
        Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
    }

    /** A GGUF v3 file of the model and its tokenizer; the tensors use F32, F16, BF16, Q8_0 and Q4_0 blocks. */
    static void gguf(Path file) throws IOException {
        gguf(file, CONFIG, weights(), Map.of("token_embd", GgufWriter.Type.F16, "attn_q", GgufWriter.Type.Q8_0,
                "attn_k", GgufWriter.Type.BF16, "attn_v", GgufWriter.Type.F32, "attn_output", GgufWriter.Type.Q8_0,
                "ffn_gate", GgufWriter.Type.Q4_0, "ffn_up", GgufWriter.Type.F16, "ffn_down", GgufWriter.Type.Q8_0,
                "output", GgufWriter.Type.Q8_0));
    }

    /** A model whose rows hold whole 256-element blocks: dim 256, one layer (used with mapped weights). */
    static final LlamaConfig STORED_CONFIG = new LlamaConfig(256, 256, 1, 2, 1, VOCAB, 16, 10000.0, Rope.Style.INTERLEAVED, 1e-5f, false);

    /** A GGUF v3 file of {@link #STORED_CONFIG}: every compact type, the K-quants Q4_K and Q6_K among them. */
    static void ggufStored(Path file) throws IOException {
        gguf(file, STORED_CONFIG, LlamaInit.random(STORED_CONFIG, 12), Map.of("token_embd", GgufWriter.Type.Q4_K,
                "attn_q", GgufWriter.Type.Q6_K, "attn_k", GgufWriter.Type.Q4_0, "attn_v", GgufWriter.Type.Q8_0,
                "attn_output", GgufWriter.Type.BF16, "ffn_gate", GgufWriter.Type.F16, "ffn_up", GgufWriter.Type.Q4_K,
                "ffn_down", GgufWriter.Type.Q6_K, "output", GgufWriter.Type.Q6_K));
    }

    /** A BF16 Hugging Face folder: {@code config.json} and {@code model.safetensors}. */
    static void huggingFaceBf16(Path dir) throws IOException {
        HuggingFaceModel.write(dir, weights(), ElementType.BF16);
    }

    /** The matrices are stored as {@code types} says by GGUF name without "blk.N." and ".weight"; the norms F32. */
    private static void gguf(Path file, LlamaConfig c, LlamaWeights w, Map<String, GgufWriter.Type> types) throws IOException {
        GgufWriter g = new GgufWriter();
        g.string("general.architecture", "llama");
        g.u32("llama.embedding_length", c.dim());
        g.u32("llama.feed_forward_length", c.hiddenDim());
        g.u32("llama.block_count", c.layers());
        g.u32("llama.attention.head_count", c.heads());
        g.u32("llama.attention.head_count_kv", c.kvHeads());
        g.u32("llama.context_length", c.maxSeqLen());
        g.f32("llama.attention.layer_norm_rms_epsilon", c.normEps());
        g.f32("llama.rope.freq_base", 10000f);
        g.u32("general.alignment", 32);
        g.string("tokenizer.ggml.model", "llama");
        List<String> tokens = new ArrayList<>();
        float[] scores = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            tokens.add(piece(i).replace(' ', '\u2581'));
            scores[i] = score(i);
        }
        g.strings("tokenizer.ggml.tokens", tokens);
        g.floats("tokenizer.ggml.scores", scores);
        g.u32("tokenizer.ggml.bos_token_id", 1);
        g.u32("tokenizer.ggml.eos_token_id", 2);
        g.tensor("token_embd.weight", w.tokenEmbedding(), types.get("token_embd"));
        for (int l = 0; l < c.layers(); l++) {
            var b = w.layers().get(l);
            String p = "blk." + l + ".";
            g.tensor(p + "attn_norm.weight", b.attnNorm(), GgufWriter.Type.F32);
            g.tensor(p + "attn_q.weight", b.wq(), types.get("attn_q"));
            g.tensor(p + "attn_k.weight", b.wk(), types.get("attn_k"));
            g.tensor(p + "attn_v.weight", b.wv(), types.get("attn_v"));
            g.tensor(p + "attn_output.weight", b.wo(), types.get("attn_output"));
            g.tensor(p + "ffn_norm.weight", b.ffnNorm(), GgufWriter.Type.F32);
            g.tensor(p + "ffn_gate.weight", b.gate(), types.get("ffn_gate"));
            g.tensor(p + "ffn_up.weight", b.up(), types.get("ffn_up"));
            g.tensor(p + "ffn_down.weight", b.down(), types.get("ffn_down"));
        }
        g.tensor("output_norm.weight", w.finalNorm(), GgufWriter.Type.F32);
        g.tensor("output.weight", w.classifier(), types.get("output"));
        Files.write(file, g.bytes());
    }

    /** A Hugging Face folder: {@code config.json} and {@code model.safetensors} (F32). */
    static void huggingFaceModel(Path dir) throws IOException {
        HuggingFaceModel.write(dir, weights());
    }

    /** A sharded Hugging Face folder: {@code config.json}, two shards and {@code model.safetensors.index.json}. */
    static void shardedModel(Path dir) throws IOException {
        LlamaWeights w = weights();
        HuggingFaceModel.write(dir, w);
        Files.delete(dir.resolve(HuggingFaceModel.WEIGHTS));
        Map<String, Tensor> all = HuggingFaceModel.tensors(w);
        Map<String, Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        Map<String, Object> weightMap = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            boolean one = i++ < all.size() / 2;
            (one ? first : second).put(e.getKey(), e.getValue());
            weightMap.put(e.getKey(), one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve(HuggingFaceModel.INDEX), Json.write(ordered("metadata", ordered("total_size", 1L), "weight_map", weightMap)));
    }

    /** A safetensors file with F32, F16, BF16 and integer tensors and metadata. */
    static void safetensors(Path file) throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", ordered("format", "pt", "note", "fuzz seed"));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String[][] tensors = {{"a.f32", "F32", "4", "8"}, {"b.f16", "F16", "3", "5"}, {"c.bf16", "BF16", "7"}, {"d.i64", "I64", "2", "2"},
                {"e.u8", "U8", "9"}, {"f.empty", "F32", "0", "4"}};
        for (String[] t : tensors) {
            int elements = 1;
            List<Long> shape = new ArrayList<>();
            for (int i = 2; i < t.length; i++) {
                elements *= Integer.parseInt(t[i]);
                shape.add(Long.parseLong(t[i]));
            }
            int bytes = switch (t[1]) {
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                case "I64" -> 8;
                default -> 1;
            };
            long begin = data.size();
            for (int i = 0; i < elements * bytes; i++) data.write(r.nextInt(256));
            header.put(t[0], ordered("dtype", t[1], "shape", shape, "data_offsets", List.of(begin, (long) data.size())));
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data.toByteArray());
        Files.write(file, b.array());
    }

    /** {@code tokenizer.json} (BPE over the vocabulary, SentencePiece style, byte fallback) and {@code tokenizer_config.json}. */
    static void huggingFaceTokenizer(Path dir) throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < VOCAB; i++) vocab.put(piece(i).replace(' ', '\u2581'), (long) i);
        List<String> merges = new ArrayList<>();
        for (String p : PIECES) {
            String s = p.replace(' ', '\u2581');
            for (int k = 1; k < s.length(); k++) {
                if (vocab.containsKey(s.substring(0, k)) && vocab.containsKey(s.substring(k))) merges.add(s.substring(0, k) + " " + s.substring(k));
            }
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("unk_token", "<unk>");
        model.put("byte_fallback", true);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("added_tokens", List.of(ordered("id", 0L, "content", "<unk>", "special", true),
                ordered("id", 1L, "content", "<s>", "special", true), ordered("id", 2L, "content", "</s>", "special", true)));
        json.put("normalizer", ordered("type", "Sequence", "normalizers", List.of(ordered("type", "Prepend", "prepend", "\u2581"),
                ordered("type", "Replace", "pattern", ordered("String", " "), "content", "\u2581"))));
        json.put("pre_tokenizer", null);
        json.put("model", model);
        Files.writeString(dir.resolve("tokenizer.json"), Json.write(json));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("add_bos_token", true);
        config.put("bos_token", "<s>");
        config.put("eos_token", ordered("content", "</s>", "lstrip", false, "special", true));
        config.put("model_max_length", 16L);
        config.put("chat_template", "{% for message in messages %}{{ '<s>' + message['role'] + ': ' + message['content'] }}{% endfor %}");
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(config));
    }

    /** A GPT-2 style byte-level {@code tokenizer.json}: 256 byte characters, three merges, an end-of-text token. */
    static void byteLevelTokenizer(Path dir) throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(byteChar(b), (long) b);
        vocab.put("\u0120t", 256L);
        vocab.put("he", 257L);
        vocab.put("\u0120the", 258L);
        vocab.put("<|endoftext|>", 259L);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("vocab", vocab);
        model.put("merges", List.of(List.of("\u0120", "t"), List.of("h", "e"), List.of("\u0120t", "he")));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("added_tokens", List.of(ordered("id", 259L, "content", "<|endoftext|>", "special", true)));
        json.put("pre_tokenizer", ordered("type", "ByteLevel", "add_prefix_space", false, "use_regex", true));
        json.put("model", model);
        Files.writeString(dir.resolve("tokenizer.json"), Json.write(json));
    }

    /** GPT-2's printable stand-in for a byte. */
    private static String byteChar(int b) {
        int n = 0;
        for (int x = 0; x < 256; x++) {
            boolean printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (x == b) return String.valueOf((char) (printable ? x : 256 + n));
            if (!printable) n++;
        }
        throw new IllegalArgumentException("byte " + b);
    }

    static void promptCompletion(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(Json.write(ordered("prompt", "Question " + i + ": who ate the " + "otter ".repeat(i) + "?", "completion", " the " + i))).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    static void textLines(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) sb.append(Json.write(ordered("text", TEXT.substring(0, 10 + 7 * i)))).append('\n');
        Files.writeString(file, sb.toString());
    }

    static void plainText(Path file) throws IOException {
        Files.writeString(file, (TEXT + "\n").repeat(5));
    }

    /** A PEFT adapter folder (rank 4 on every projection) for {@link #weights()}. */
    static void peftAdapter(Path dir) throws IOException {
        LoraAdapter adapter = LoraAdapter.create(weights(), new LoraConfig(4, 8f, 0.05f, EnumSet.allOf(Target.class)), 7);
        PeftAdapter.write(dir, adapter, "fuzz-seed");
    }

    /** Trainable parameters of the shapes a checkpoint seed holds. */
    static List<Var> checkpointParams() {
        SplittableRandom r = new SplittableRandom(5);
        return List.of(Var.parameter(Tensor.randn(r, 0.1f, 4, 32)), Var.parameter(Tensor.randn(r, 0.1f, 32, 4)),
                Var.parameter(Tensor.randn(r, 0.1f, 8)));
    }

    static final String CHECKPOINT_KEY = "9/8/1/0.003/0/COSINE/0.1/0.0/1.0/42";

    static void checkpoint(Path dir) throws IOException {
        List<Var> params = checkpointParams();
        Checkpoint.write(dir, "lora", CHECKPOINT_KEY, 6, params, new AdamW(params, AdamW.Config.defaults()));
    }

    static void estimator(Path file) throws IOException {
        SvdEstimator.build(weights(), 4).save(file);
    }

    static void metrics(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int step = 1; step <= 6; step++) {
            sb.append(Json.write(ordered("kind", "train", "step", (long) step, "loss", 5.0 / step, "lr", 1e-3))).append('\n');
            if (step % 3 == 0) sb.append(Json.write(ordered("kind", "eval", "step", (long) step, "loss", 4.0 / step))).append('\n');
        }
        Files.writeString(dir.resolve("metrics.jsonl"), sb.toString());
    }

    /** A ChatML-like template with loops, conditions, filters, loop variables and raise_exception. */
    static final String TEMPLATE = "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] | trim %}"
            + "{% set messages = messages[1:] %}{% else %}{% set system = '' %}{% endif %}"
            + "{{ bos_token }}{% if system %}{{ '<|system|>' + system + '\\n' }}{% endif %}"
            + "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '<|user|>' + message['content'] | trim + '\\n' }}"
            + "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>' + message['content'] + eos_token }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

    static org.sparselora4j.models.chat.ChatTemplate template() {
        return org.sparselora4j.models.chat.ChatTemplate.parse(TEMPLATE, "the seed template", Map.of("bos_token", "<s>", "eos_token", "</s>"));
    }

    /** {@code tokenizer_config.json} with {@link #TEMPLATE} as its chat_template. */
    static void chatTokenizerConfig(Path dir) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bos_token", "<s>");
        config.put("eos_token", ordered("content", "</s>", "special", true));
        config.put("chat_template", TEMPLATE);
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(config));
    }

    static List<Map<String, Object>> conversation(int i) {
        return List.of(ordered("role", "system", "content", " Be brief. "), ordered("role", "user", "content", "Who ate the otter " + i + "?"),
                ordered("role", "assistant", "content", "the " + "cat ".repeat(i % 3 + 1).strip()));
    }

    static void messagesLines(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) sb.append(Json.write(ordered("messages", conversation(i)))).append('\n');
        Files.writeString(file, sb.toString());
    }

    static void alpacaLines(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(Json.write(ordered("instruction", "Name the animal " + i, "input", i % 2 == 0 ? "" : "the otter ate", "output", "otter"))).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    /** A conversation file for {@code tokenize --messages}. */
    static void messagesFile(Path file) throws IOException {
        Files.writeString(file, Json.write(ordered("messages", conversation(1), "tools", List.of())));
    }

    /** A GGUF file holding only a gpt2 (byte-level BPE) tokenizer: tokens, merges, token types, pre. */
    static void ggufByteLevelTokenizer(Path file) throws IOException {
        GgufWriter g = new GgufWriter();
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(byteChar(b));
        tokens.addAll(List.of("\u0120t", "he", "\u0120the", "<|endoftext|>"));
        int[] types = new int[tokens.size()];
        java.util.Arrays.fill(types, 1);
        types[types.length - 1] = 3;
        g.string("general.architecture", "llama");
        g.string("tokenizer.ggml.model", "gpt2");
        g.string("tokenizer.ggml.pre", "llama-bpe");
        g.strings("tokenizer.ggml.tokens", tokens);
        g.strings("tokenizer.ggml.merges", List.of("\u0120 t", "h e", "\u0120t he"));
        g.ints("tokenizer.ggml.token_type", types);
        g.u32("tokenizer.ggml.bos_token_id", tokens.size() - 1);
        g.u32("tokenizer.ggml.eos_token_id", tokens.size() - 1);
        Files.write(file, g.bytes());
    }

    /** A Llama 3 style {@code tokenizer.json}: Split on the Llama 3 regex, then ByteLevel without its own regex. */
    static void splitTokenizer(Path dir) throws IOException {
        byteLevelTokenizer(dir);
        Path file = dir.resolve("tokenizer.json");
        Map<String, Object> json = Json.parseObject(Files.readString(file));
        String regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        json.put("pre_tokenizer", ordered("type", "Sequence", "pretokenizers", List.of(
                ordered("type", "Split", "pattern", ordered("Regex", regex), "behavior", "Isolated", "invert", false),
                ordered("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", false))));
        Files.writeString(file, Json.write(json));
    }

    /**
     * A map that keeps the order its keys are given in. Map.of's order changes from JVM to JVM, which would make the
     * seed files, and so every case, differ between the run that printed a seed and the one that replays it.
     */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }
}
