package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.Architecture;
import org.sparselora4j.models.llama.Family;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.RopeScaling;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code config.json} of the llama, mistral, qwen2 or qwen3 families as a {@link LlamaConfig}
 * (HALF_SPLIT RoPE) with its {@link Architecture}. Defaults follow transformers' config classes:
 * num_key_value_heads = num_attention_heads, head_dim = hidden_size / heads, rope_theta 10000, rms_norm_eps 1e-6,
 * tie_word_embeddings false, max_position_embeddings 2048. Settings this engine cannot honour (another
 * model_type, a rope_scaling type other than linear or llama3, llama's attention_bias or mlp_bias, an activation
 * other than SiLU) are errors that name the field, not silently ignored. A sliding window shorter than
 * max_position_embeddings (Mistral 7B v0.1, Qwen2 with use_sliding_window) becomes the model's context: within
 * the window, causal attention is exactly sliding-window attention, and a longer sequence is refused.
 */
public final class HuggingFaceConfig {
    private HuggingFaceConfig() {
    }

    public static LlamaConfig read(Path file) throws IOException {
        String text;
        try {
            text = TextFiles.readUtf8(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "missing (a Hugging Face model folder needs config.json)");
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
        return parse(file, json);
    }

    static LlamaConfig parse(Path file, Map<String, Object> json) throws ModelFormatException {
        Family family = family(file, json.get("model_type"));
        int dim = integer(file, json, "hidden_size", null);
        int hidden = integer(file, json, "intermediate_size", null);
        int layers = integer(file, json, "num_hidden_layers", null);
        int heads = integer(file, json, "num_attention_heads", null);
        int kvHeads = integer(file, json, "num_key_value_heads", heads);
        int vocab = integer(file, json, "vocab_size", null);
        int maxSeq = integer(file, json, "max_position_embeddings", 2048);
        double eps = number(file, json, "rms_norm_eps", 1e-6);
        double theta = number(file, json, "rope_theta", 10000.0);
        boolean tied = bool(file, json, "tie_word_embeddings", false);
        if (json.get("head_dim") == null && dim % heads != 0) {
            throw new ModelFormatException(file, "hidden_size " + dim + " is not a multiple of num_attention_heads " + heads + " and no head_dim is given");
        }
        int headDim = integer(file, json, "head_dim", dim / heads);
        if (json.get("hidden_act") != null && !"silu".equals(json.get("hidden_act"))) {
            throw new ModelFormatException(file, "hidden_act " + json.get("hidden_act") + " is not supported (only silu)");
        }
        if (bool(file, json, "mlp_bias", false)) throw new ModelFormatException(file, "mlp_bias true is not supported");
        // Qwen2 always has q/k/v biases; llama's attention_bias would add one to o too, and Qwen3's has none.
        boolean qkvBias = family == Family.QWEN2;
        if (family != Family.QWEN2 && bool(file, json, "attention_bias", false)) {
            throw new ModelFormatException(file, "attention_bias true is not supported for model_type " + family.modelType());
        }
        maxSeq = Math.min(maxSeq, window(file, json, family, maxSeq));
        RopeScaling scaling = ropeScaling(file, json.get("rope_scaling"));
        try {
            Architecture arch = new Architecture(family, headDim, qkvBias, family == Family.QWEN3, scaling);
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, maxSeq, theta, Rope.Style.HALF_SPLIT, (float) eps, tied, arch);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private static Family family(Path file, Object type) throws ModelFormatException {
        if (type == null) return Family.LLAMA;
        for (Family f : Family.values()) {
            if (f.modelType().equals(type)) return f;
        }
        throw new ModelFormatException(file, "model_type " + type + " is not supported (llama, mistral, qwen2, qwen3)");
    }

    /** The positions the attention window covers: the context itself unless a sliding window is on. */
    private static int window(Path file, Map<String, Object> json, Family family, int maxSeq) throws ModelFormatException {
        boolean on = switch (family) {
            case MISTRAL -> json.get("sliding_window") != null;
            case QWEN2, QWEN3 -> bool(file, json, "use_sliding_window", false) && json.get("sliding_window") != null;
            case LLAMA -> false;
        };
        return on ? integer(file, json, "sliding_window", null) : maxSeq;
    }

    private static RopeScaling ropeScaling(Path file, Object value) throws ModelFormatException {
        if (value == null) return new RopeScaling.None();
        if (!(value instanceof Map<?, ?> raw)) throw new ModelFormatException(file, "rope_scaling " + value + " is not an object");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) raw;
        Object type = m.get("rope_type") != null ? m.get("rope_type") : m.get("type");
        if (type == null) throw new ModelFormatException(file, "rope_scaling has no rope_type");
        try {
            return switch (type.toString()) {
                case "default" -> new RopeScaling.None();
                case "linear" -> new RopeScaling.Linear(number(file, m, "factor", Double.NaN, "rope_scaling.factor"));
                case "llama3" -> new RopeScaling.Llama3(number(file, m, "factor", Double.NaN, "rope_scaling.factor"),
                        number(file, m, "low_freq_factor", Double.NaN, "rope_scaling.low_freq_factor"),
                        number(file, m, "high_freq_factor", Double.NaN, "rope_scaling.high_freq_factor"),
                        integer(file, m, "original_max_position_embeddings", null));
                default -> throw new ModelFormatException(file, "rope_scaling type " + type + " is not supported (linear, llama3)");
            };
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "rope_scaling: " + e.getMessage());
        }
    }

    private static boolean bool(Path file, Map<String, Object> json, String key, boolean fallback) throws ModelFormatException {
        Object v = json.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new ModelFormatException(file, key + " " + v + " is not true or false");
        return b;
    }

    private static int integer(Path file, Map<String, Object> json, String key, Integer fallback) throws ModelFormatException {
        Object v = json.get(key);
        if (v == null) {
            if (fallback == null) throw new ModelFormatException(file, "no " + key);
            return fallback;
        }
        if (!(v instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
            throw new ModelFormatException(file, key + " " + v + " is not a positive integer");
        }
        return (int) (long) n;
    }

    private static double number(Path file, Map<String, Object> json, String key, double fallback) throws ModelFormatException {
        return number(file, json, key, fallback, key);
    }

    /** A number; NaN as the fallback makes it required. {@code field} names it in errors. */
    private static double number(Path file, Map<String, Object> json, String key, double fallback, String field) throws ModelFormatException {
        Object v = json.get(key);
        if (v == null) {
            if (Double.isNaN(fallback)) throw new ModelFormatException(file, "no " + field);
            return fallback;
        }
        if (!(v instanceof Number n)) throw new ModelFormatException(file, field + " " + v + " is not a number");
        return n.doubleValue();
    }

    /**
     * The config.json text for a model of its family, as transformers writes it (its RoPE style is not written:
     * Hugging Face weights are HALF_SPLIT). A GGUF's rope_freqs table is written as the llama3 scaling it is
     * ({@link RopeScaling.Divisors#asLlama3}), and refused when it is not one.
     */
    public static String toJson(LlamaConfig c) {
        Architecture a = c.architecture();
        Family f = a.family();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(f.hfClass()));
        json.put("model_type", f.modelType());
        json.put("hidden_size", c.dim());
        json.put("intermediate_size", c.hiddenDim());
        json.put("num_hidden_layers", c.layers());
        json.put("num_attention_heads", c.heads());
        json.put("num_key_value_heads", c.kvHeads());
        json.put("head_dim", c.headSize());
        json.put("vocab_size", c.vocabSize());
        json.put("max_position_embeddings", c.maxSeqLen());
        json.put("rms_norm_eps", Double.parseDouble(Float.toString(c.normEps()))); // 1e-5, not 9.99e-6
        json.put("rope_theta", c.ropeTheta());
        RopeScaling scaling = a.ropeScaling();
        if (scaling instanceof RopeScaling.Divisors d) {
            scaling = d.asLlama3(c.ropeTheta(), c.headSize()).orElseThrow(() -> new IllegalArgumentException(
                    "the GGUF's rope_freqs table is not Llama 3's standard scaling and has no config.json form"));
        }
        json.put("rope_scaling", switch (scaling) {
            case RopeScaling.None n -> null;
            case RopeScaling.Linear l -> Map.of("rope_type", "linear", "factor", l.factor());
            case RopeScaling.Llama3 l -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rope_type", "llama3");
                m.put("factor", l.factor());
                m.put("low_freq_factor", l.lowFreqFactor());
                m.put("high_freq_factor", l.highFreqFactor());
                m.put("original_max_position_embeddings", l.originalContext());
                yield m;
            }
            case RopeScaling.Divisors d -> throw new IllegalStateException("divisors were converted above");
        });
        json.put("tie_word_embeddings", c.tiedClassifier());
        json.put("hidden_act", "silu");
        switch (f) {
            case LLAMA, QWEN3 -> {
                json.put("attention_bias", false);
                if (f == Family.LLAMA) json.put("mlp_bias", false);
            }
            case MISTRAL -> json.put("sliding_window", null);
            case QWEN2 -> { }
        }
        if (f == Family.QWEN2 || f == Family.QWEN3) json.put("use_sliding_window", false);
        json.put("torch_dtype", "float32");
        return Json.write(json) + "\n";
    }
}
