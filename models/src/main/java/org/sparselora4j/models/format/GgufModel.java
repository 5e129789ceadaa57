package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.Architecture;
import org.sparselora4j.models.llama.Family;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.RopeScaling;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF of the llama, qwen2 or qwen3 architecture ({@code general.architecture}) as weights and tokenizer. The
 * config comes from the {@code ARCH.*} keys, the vocabulary size from the token embedding's rows; tensors are
 * {@code token_embd.weight}, {@code blk.N.attn_norm/attn_q/attn_k/attn_v/attn_output/ffn_norm/ffn_gate/ffn_up/ffn_down.weight},
 * {@code output_norm.weight} and {@code output.weight} (absent when tied); qwen2 adds
 * {@code blk.N.attn_{q,k,v}.bias}, qwen3 {@code blk.N.attn_{q,k}_norm.weight}, and Llama 3.1+'s RoPE scaling
 * is the {@code rope_freqs.weight} tensor of frequency divisors. llama.cpp stores llama q/k rows INTERLEAVED,
 * as llama2.c does, and leaves qwen2/qwen3 rows in HALF_SPLIT order (it runs NEOX-style RoPE for them). These
 * names are this format's one mapping.
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

    private static Family family(Gguf gguf) throws ModelFormatException {
        Object arch = gguf.metadata().get("general.architecture");
        if (arch == null) throw error(gguf, "no general.architecture");
        return switch (arch.toString()) {
            case "llama" -> Family.LLAMA;
            case "qwen2" -> Family.QWEN2;
            case "qwen3" -> Family.QWEN3;
            default -> throw error(gguf, "general.architecture " + arch + " is not supported (llama, qwen2, qwen3)");
        };
    }

    public static LlamaConfig config(Gguf gguf) throws ModelFormatException {
        Family family = family(gguf);
        String a = family.ggufArchitecture() + ".";
        int dim = integer(gguf, a + "embedding_length", null);
        int hidden = integer(gguf, a + "feed_forward_length", null);
        int layers = integer(gguf, a + "block_count", null);
        int heads = integer(gguf, a + "attention.head_count", null);
        int kvHeads = integer(gguf, a + "attention.head_count_kv", heads);
        int context = integer(gguf, a + "context_length", null);
        double eps = number(gguf, a + "attention.layer_norm_rms_epsilon", 1e-5);
        double theta = number(gguf, a + "rope.freq_base", 10000.0);
        Gguf.TensorInfo embd = gguf.tensors().get("token_embd.weight");
        if (embd == null) throw error(gguf, "missing tensor token_embd.weight");
        int vocab = embd.shape()[0];
        if (!gguf.metadata().containsKey(a + "attention.key_length") && dim % heads != 0) {
            throw error(gguf, a + "embedding_length " + dim + " is not a multiple of " + a + "attention.head_count " + heads);
        }
        int headSize = integer(gguf, a + "attention.key_length", dim / heads);
        if (integer(gguf, a + "attention.value_length", headSize) != headSize) {
            throw error(gguf, a + "attention.value_length " + gguf.metadata().get(a + "attention.value_length") + " differs from the key length " + headSize);
        }
        if (integer(gguf, a + "rope.dimension_count", headSize) != headSize) {
            throw error(gguf, a + "rope.dimension_count " + gguf.metadata().get(a + "rope.dimension_count") + " (partial RoPE) is not supported");
        }
        RopeScaling scaling = ropeScaling(gguf, a, headSize);
        boolean tied = !gguf.tensors().containsKey("output.weight");
        Rope.Style style = family == Family.LLAMA ? Rope.Style.INTERLEAVED : Rope.Style.HALF_SPLIT;
        try {
            Architecture arch = new Architecture(family, headSize, family == Family.QWEN2, family == Family.QWEN3, scaling);
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, context, theta, style, (float) eps, tied, arch);
        } catch (IllegalArgumentException e) {
            throw error(gguf, e.getMessage());
        }
    }

    /** {@code rope_freqs.weight} (Llama 3.1+), else {@code ARCH.rope.scaling.type} none or linear. */
    private static RopeScaling ropeScaling(Gguf gguf, String a, int headSize) throws ModelFormatException {
        Object type = gguf.metadata().get(a + "rope.scaling.type");
        boolean hasType = type != null && !"none".equals(type);
        if (gguf.tensors().containsKey(ROPE_FREQS)) {
            if (hasType) throw error(gguf, "both a " + ROPE_FREQS + " tensor and " + a + "rope.scaling.type " + type);
            Tensor t = read(gguf, ROPE_FREQS, headSize / 2);
            try {
                return new RopeScaling.Divisors(t.toArray());
            } catch (IllegalArgumentException e) {
                throw error(gguf, ROPE_FREQS + ": " + e.getMessage());
            }
        }
        if (!hasType) return new RopeScaling.None();
        if (!"linear".equals(type)) throw error(gguf, a + "rope.scaling.type " + type + " is not supported (none, linear)");
        double factor = number(gguf, a + "rope.scaling.factor", Double.NaN);
        if (!(factor > 0)) throw error(gguf, "no positive " + a + "rope.scaling.factor for linear RoPE scaling");
        return new RopeScaling.Linear(factor);
    }

    private static final String ROPE_FREQS = "rope_freqs.weight";

    public static LlamaWeights weights(Gguf gguf) throws ModelFormatException {
        LlamaConfig c = config(gguf);
        int dim = c.dim(), q = c.qDim(), kv = c.kvDim(), hidden = c.hiddenDim(), hs = c.headSize();
        Tensor embedding = read(gguf, "token_embd.weight", c.vocabSize(), dim);
        // Grown as layers are read: the layer count is the file's word until its tensors are found (2^30 is no list size).
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            Optional<LayerWeights.QkvBias> bias = c.architecture().qkvBias()
                    ? Optional.of(new LayerWeights.QkvBias(read(gguf, p + "attn_q.bias", q), read(gguf, p + "attn_k.bias", kv),
                            read(gguf, p + "attn_v.bias", kv)))
                    : Optional.empty();
            Optional<LayerWeights.QkNorm> norm = c.architecture().qkNorm()
                    ? Optional.of(new LayerWeights.QkNorm(read(gguf, p + "attn_q_norm.weight", hs), read(gguf, p + "attn_k_norm.weight", hs)))
                    : Optional.empty();
            layers.add(new LayerWeights(
                    read(gguf, p + "attn_norm.weight", dim),
                    read(gguf, p + "attn_q.weight", q, dim),
                    read(gguf, p + "attn_k.weight", kv, dim),
                    read(gguf, p + "attn_v.weight", kv, dim),
                    read(gguf, p + "attn_output.weight", dim, q),
                    read(gguf, p + "ffn_norm.weight", dim),
                    read(gguf, p + "ffn_gate.weight", hidden, dim),
                    read(gguf, p + "ffn_up.weight", hidden, dim),
                    read(gguf, p + "ffn_down.weight", dim, hidden),
                    bias, norm));
        }
        Tensor finalNorm = read(gguf, "output_norm.weight", dim);
        Tensor classifier = c.tiedClassifier() ? embedding : read(gguf, "output.weight", c.vocabSize(), dim);
        return new LlamaWeights(c, embedding, layers, finalNorm, classifier);
    }

    private static Tensor read(Gguf gguf, String name, int... shape) throws ModelFormatException {
        Gguf.TensorInfo info = gguf.tensors().get(name);
        if (info == null) throw error(gguf, "missing tensor " + name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw error(gguf, "tensor " + name + " has shape " + Arrays.toString(info.shape()) + " (row-major), the "
                    + gguf.metadata().get("general.architecture") + ".* keys imply " + Arrays.toString(shape));
        }
        return shape.length == 2 ? gguf.matrix(name) : gguf.read(name);
    }

    /** The file's tokenizer ({@link GgufTokenizer}: SentencePiece "llama" or byte-level "gpt2"); empty when it has none. */
    public static Optional<Tokenizer> tokenizer(Gguf gguf) throws ModelFormatException {
        return GgufTokenizer.read(gguf);
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
