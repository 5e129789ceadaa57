package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A llama-architecture GGUF as weights and tokenizer. The config comes from the {@code llama.*} keys, the
 * vocabulary size from {@code tokenizer.ggml.tokens}; tensors are {@code token_embd.weight},
 * {@code blk.N.attn_norm/attn_q/attn_k/attn_v/attn_output/ffn_norm/ffn_gate/ffn_up/ffn_down.weight},
 * {@code output_norm.weight} and {@code output.weight} (absent when tied). llama.cpp stores llama q/k rows
 * INTERLEAVED, as llama2.c does.
 */
public final class GgufModel {
    private GgufModel() {
    }

    /** The weights of a GGUF file. */
    public static LlamaWeights load(Path path) throws IOException {
        return load(path, WeightStorage.FLOAT32);
    }

    /** The weights of a GGUF file, the matrices handed out as {@code storage} says. */
    public static LlamaWeights load(Path path, WeightStorage storage) throws IOException {
        try (Gguf gguf = Gguf.open(path, storage)) {
            return weights(gguf);
        }
    }

    public static LlamaConfig config(Gguf gguf) throws ModelFormatException {
        Map<String, Object> m = gguf.metadata();
        Object arch = m.get("general.architecture");
        if (!"llama".equals(arch)) throw error(gguf, "general.architecture " + arch + " is not llama");
        int dim = integer(gguf, "llama.embedding_length", null);
        int hidden = integer(gguf, "llama.feed_forward_length", null);
        int layers = integer(gguf, "llama.block_count", null);
        int heads = integer(gguf, "llama.attention.head_count", null);
        int kvHeads = integer(gguf, "llama.attention.head_count_kv", heads);
        int context = integer(gguf, "llama.context_length", null);
        double eps = number(gguf, "llama.attention.layer_norm_rms_epsilon", 1e-5);
        double theta = number(gguf, "llama.rope.freq_base", 10000.0);
        int vocab;
        if (m.get("tokenizer.ggml.tokens") instanceof List<?> tokens) {
            vocab = tokens.size();
        } else if (m.containsKey("llama.vocab_size")) {
            vocab = integer(gguf, "llama.vocab_size", null);
        } else {
            Gguf.TensorInfo embd = gguf.tensors().get("token_embd.weight");
            if (embd == null) throw error(gguf, "missing tensor token_embd.weight");
            vocab = embd.shape()[0];
        }
        if (heads > 0 && dim % heads == 0 && m.containsKey("llama.rope.dimension_count")
                && integer(gguf, "llama.rope.dimension_count", null) != dim / heads) {
            throw error(gguf, "llama.rope.dimension_count " + m.get("llama.rope.dimension_count") + " (partial RoPE) is not supported");
        }
        if (m.containsKey("llama.rope.scaling.type") && !"none".equals(m.get("llama.rope.scaling.type"))) {
            throw error(gguf, "llama.rope.scaling.type " + m.get("llama.rope.scaling.type") + " is not supported");
        }
        boolean tied = !gguf.tensors().containsKey("output.weight");
        try {
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, context, theta, Rope.Style.INTERLEAVED, (float) eps, tied);
        } catch (IllegalArgumentException e) {
            throw error(gguf, e.getMessage());
        }
    }

    public static LlamaWeights weights(Gguf gguf) throws ModelFormatException {
        LlamaConfig c = config(gguf);
        int dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim();
        Tensor embedding = read(gguf, "token_embd.weight", c.vocabSize(), dim);
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers.add(new LayerWeights(
                    read(gguf, p + "attn_norm.weight", dim),
                    read(gguf, p + "attn_q.weight", dim, dim),
                    read(gguf, p + "attn_k.weight", kv, dim),
                    read(gguf, p + "attn_v.weight", kv, dim),
                    read(gguf, p + "attn_output.weight", dim, dim),
                    read(gguf, p + "ffn_norm.weight", dim),
                    read(gguf, p + "ffn_gate.weight", hidden, dim),
                    read(gguf, p + "ffn_up.weight", hidden, dim),
                    read(gguf, p + "ffn_down.weight", dim, hidden)));
        }
        Tensor finalNorm = read(gguf, "output_norm.weight", dim);
        Tensor classifier = c.tiedClassifier() ? embedding : read(gguf, "output.weight", c.vocabSize(), dim);
        return new LlamaWeights(c, embedding, layers, finalNorm, classifier);
    }

    private static Tensor read(Gguf gguf, String name, int... shape) throws ModelFormatException {
        Gguf.TensorInfo info = gguf.tensors().get(name);
        if (info == null) throw error(gguf, "missing tensor " + name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw error(gguf, "tensor " + name + " has shape " + Arrays.toString(info.shape()) + " (row-major), the llama.* keys imply "
                    + Arrays.toString(shape));
        }
        return shape.length == 2 ? gguf.matrix(name) : gguf.read(name);
    }

    /**
     * The file's tokenizer when it is a SentencePiece ({@code tokenizer.ggml.model} = "llama") vocabulary: pieces
     * with U+2581 turned back into spaces, scores, BOS and EOS ids. Empty when the file has no tokenizer or
     * another kind.
     */
    public static Optional<Tokenizer> tokenizer(Gguf gguf) throws ModelFormatException {
        Map<String, Object> m = gguf.metadata();
        if (!"llama".equals(m.get("tokenizer.ggml.model"))) return Optional.empty();
        if (!(m.get("tokenizer.ggml.tokens") instanceof List<?> tokens)) throw error(gguf, "no tokenizer.ggml.tokens");
        byte[][] pieces = new byte[tokens.size()][];
        for (int i = 0; i < pieces.length; i++) {
            if (!(tokens.get(i) instanceof String s)) throw error(gguf, "tokenizer.ggml.tokens[" + i + "] is not a string");
            pieces[i] = s.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        }
        float[] scores = new float[pieces.length];
        if (m.get("tokenizer.ggml.scores") instanceof List<?> list) {
            if (list.size() != pieces.length) throw error(gguf, list.size() + " tokenizer scores for " + pieces.length + " tokens");
            for (int i = 0; i < scores.length; i++) {
                if (!(list.get(i) instanceof Number n)) throw error(gguf, "tokenizer.ggml.scores[" + i + "] is not a number");
                scores[i] = n.floatValue();
            }
        }
        int bos = integer(gguf, "tokenizer.ggml.bos_token_id", 1, true);
        int eos = integer(gguf, "tokenizer.ggml.eos_token_id", 2, true);
        if (bos >= pieces.length || eos >= pieces.length) throw error(gguf, "bos/eos id outside the " + pieces.length + " tokens");
        return Optional.of(new SentencePieceTokenizer(pieces, scores, bos, eos));
    }

    private static int integer(Gguf gguf, String key, Integer fallback) throws ModelFormatException {
        return integer(gguf, key, fallback, false);
    }

    private static int integer(Gguf gguf, String key, Integer fallback, boolean zeroAllowed) throws ModelFormatException {
        Object v = gguf.metadata().get(key);
        if (v == null) {
            if (fallback == null) throw error(gguf, "no " + key);
            return fallback;
        }
        if (!(v instanceof Long n) || n < (zeroAllowed ? 0 : 1) || n > Integer.MAX_VALUE) {
            throw error(gguf, key + " " + v + " is not a valid count");
        }
        return (int) (long) n;
    }

    private static double number(Gguf gguf, String key, double fallback) throws ModelFormatException {
        Object v = gguf.metadata().get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw error(gguf, key + " " + v + " is not a number");
        return n.doubleValue();
    }

    private static ModelFormatException error(Gguf gguf, String problem) {
        return new ModelFormatException(gguf.path(), problem);
    }
}
