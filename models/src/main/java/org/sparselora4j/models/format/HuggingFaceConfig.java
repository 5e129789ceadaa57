package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face LLaMA {@code config.json} as a {@link LlamaConfig} (HALF_SPLIT RoPE). Defaults follow
 * transformers' LlamaConfig: num_key_value_heads = num_attention_heads, rope_theta 10000, rms_norm_eps 1e-6,
 * tie_word_embeddings false, max_position_embeddings 2048. Settings this engine cannot honour (rope_scaling,
 * a head_dim other than hidden_size / heads, another model_type) are errors, not silently ignored.
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
        Object type = json.get("model_type");
        if (type != null && !type.equals("llama")) throw new ModelFormatException(file, "model_type " + type + " is not llama");
        if (json.get("rope_scaling") != null) throw new ModelFormatException(file, "rope_scaling is not supported");
        int dim = integer(file, json, "hidden_size", null);
        int hidden = integer(file, json, "intermediate_size", null);
        int layers = integer(file, json, "num_hidden_layers", null);
        int heads = integer(file, json, "num_attention_heads", null);
        int kvHeads = integer(file, json, "num_key_value_heads", heads);
        int vocab = integer(file, json, "vocab_size", null);
        int maxSeq = integer(file, json, "max_position_embeddings", 2048);
        double eps = number(file, json, "rms_norm_eps", 1e-6);
        double theta = number(file, json, "rope_theta", 10000.0);
        boolean tied = json.get("tie_word_embeddings") instanceof Boolean b ? b : false;
        if (json.get("head_dim") != null && heads > 0 && integer(file, json, "head_dim", null) * heads != dim) {
            throw new ModelFormatException(file, "head_dim " + json.get("head_dim") + " differs from hidden_size / num_attention_heads");
        }
        try {
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, maxSeq, theta, Rope.Style.HALF_SPLIT, (float) eps, tied);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
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
        Object v = json.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new ModelFormatException(file, key + " " + v + " is not a number");
        return n.doubleValue();
    }

    /** The config.json text for a model (its RoPE style is not written: Hugging Face weights are HALF_SPLIT). */
    public static String toJson(LlamaConfig c) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of("LlamaForCausalLM"));
        json.put("model_type", "llama");
        json.put("hidden_size", c.dim());
        json.put("intermediate_size", c.hiddenDim());
        json.put("num_hidden_layers", c.layers());
        json.put("num_attention_heads", c.heads());
        json.put("num_key_value_heads", c.kvHeads());
        json.put("vocab_size", c.vocabSize());
        json.put("max_position_embeddings", c.maxSeqLen());
        json.put("rms_norm_eps", Double.parseDouble(Float.toString(c.normEps()))); // 1e-5, not 9.99e-6
        json.put("rope_theta", c.ropeTheta());
        json.put("tie_word_embeddings", c.tiedClassifier());
        json.put("hidden_act", "silu");
        json.put("torch_dtype", "float32");
        return Json.write(json) + "\n";
    }
}
