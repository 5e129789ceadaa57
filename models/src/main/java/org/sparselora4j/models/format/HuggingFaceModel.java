package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face LLaMA folder: {@code config.json} and either {@code model.safetensors} or shards listed by
 * {@code model.safetensors.index.json} (its {@code weight_map} gives each tensor's file). Tensor names are
 * {@code model.embed_tokens.weight}, {@code model.layers.N.self_attn.{q,k,v,o}_proj.weight},
 * {@code model.layers.N.mlp.{gate,up,down}_proj.weight}, {@code model.layers.N.input_layernorm.weight},
 * {@code model.layers.N.post_attention_layernorm.weight}, {@code model.norm.weight} and {@code lm_head.weight}
 * (absent when tied); Qwen2 adds {@code model.layers.N.self_attn.{q,k,v}_proj.bias}, Qwen3
 * {@code model.layers.N.self_attn.{q,k}_norm.weight}. q/k rows are in HALF_SPLIT order; see
 * {@link RopePermutation}. These names are this format's one mapping: {@link #assemble} reads and
 * {@link #tensors} writes them.
 */
public final class HuggingFaceModel {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private HuggingFaceModel() {
    }

    /** Loads the folder's weights with HALF_SPLIT RoPE. */
    public static LlamaWeights load(Path dir) throws IOException {
        return load(dir, WeightStorage.FLOAT32);
    }

    /** {@link #load(Path)} with the matrices handed out as {@code storage} says. */
    public static LlamaWeights load(Path dir, WeightStorage storage) throws IOException {
        return load(dir, weightFiles(dir), storage);
    }

    /** Loads the tensors of one {@code .safetensors} file, with the {@code config.json} beside it. */
    public static LlamaWeights loadFile(Path safetensors) throws IOException {
        return loadFile(safetensors, WeightStorage.FLOAT32);
    }

    /** {@link #loadFile(Path)} with the matrices handed out as {@code storage} says. */
    public static LlamaWeights loadFile(Path safetensors, WeightStorage storage) throws IOException {
        Path dir = safetensors.toAbsolutePath().getParent();
        Map<String, Path> files = new LinkedHashMap<>();
        try (Safetensors s = Safetensors.open(safetensors)) {
            for (String name : s.tensors().keySet()) files.put(name, safetensors);
        }
        return load(dir, files, storage);
    }

    private static LlamaWeights load(Path dir, Map<String, Path> files, WeightStorage storage) throws IOException {
        LlamaConfig config = HuggingFaceConfig.read(dir.resolve(CONFIG));
        Map<Path, Safetensors> open = new LinkedHashMap<>();
        try {
            for (Path p : files.values()) {
                if (!open.containsKey(p)) open.put(p, Safetensors.open(p, storage));
            }
            Reader reader = new Reader(dir, files, open);
            return assemble(config, reader);
        } finally {
            for (Safetensors s : open.values()) s.close();
        }
    }

    /** Tensor name → the file that holds it, from the index when the folder is sharded. */
    private static Map<String, Path> weightFiles(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        Map<String, Path> files = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            try (Safetensors s = Safetensors.open(single)) {
                for (String name : s.tensors().keySet()) files.put(name, single);
            }
            return files;
        }
        if (!Files.isRegularFile(index)) {
            throw new ModelFormatException(dir, "no " + WEIGHTS + " or " + INDEX + " in the folder");
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(TextFiles.readUtf8(index));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(index, e.getMessage());
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> map)) throw new ModelFormatException(index, "no weight_map object");
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String file) || file.isEmpty() || file.length() > 255 || file.contains("/") || file.contains("\\")
                    || file.startsWith(".") || file.chars().anyMatch(c -> c < 0x20 || Character.isSurrogate((char) c))) {
                throw new ModelFormatException(index, "bad shard file name for " + e.getKey() + ": " + e.getValue());
            }
            Path shard = shards.get(file);
            if (shard == null) {
                shard = dir.resolve(file);
                if (!Files.isRegularFile(shard)) throw new ModelFormatException(index, "shard " + file + " (for " + e.getKey() + ") is not in the folder");
                shards.put(file, shard);
            }
            files.put((String) e.getKey(), shard);
        }
        return files;
    }

    /** Finds each tensor in its shard and checks its shape before reading. */
    private record Reader(Path dir, Map<String, Path> files, Map<Path, Safetensors> open) {
        Tensor read(String name, int... dims) throws ModelFormatException {
            Path file = files.get(name);
            if (file == null) throw new ModelFormatException(dir, "missing tensor " + name);
            Safetensors s = open.get(file);
            Safetensors.Info info = s.tensors().get(name);
            if (info == null) throw new ModelFormatException(file, "missing tensor " + name);
            if (!Arrays.equals(info.shape(), dims)) {
                throw new ModelFormatException(file, "tensor " + name + " has shape " + Arrays.toString(info.shape())
                        + ", config.json implies " + Arrays.toString(dims));
            }
            return dims.length == 2 ? s.matrix(name) : s.read(name);
        }

        boolean contains(String name) {
            return files.containsKey(name);
        }
    }

    private static final String LAYER = "model.layers.";
    private static final String Q_BIAS = "self_attn.q_proj.bias", K_BIAS = "self_attn.k_proj.bias", V_BIAS = "self_attn.v_proj.bias";
    private static final String Q_NORM = "self_attn.q_norm.weight", K_NORM = "self_attn.k_norm.weight";

    private static LlamaWeights assemble(LlamaConfig c, Reader r) throws ModelFormatException {
        int dim = c.dim(), q = c.qDim(), kv = c.kvDim(), hidden = c.hiddenDim(), hs = c.headSize();
        Tensor embedding = r.read("model.embed_tokens.weight", c.vocabSize(), dim);
        // Grown as layers are read: the layer count is the file's word until its tensors are found (2^30 is no list size).
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            String p = LAYER + l + ".";
            Optional<LayerWeights.QkvBias> bias = c.architecture().qkvBias()
                    ? Optional.of(new LayerWeights.QkvBias(r.read(p + Q_BIAS, q), r.read(p + K_BIAS, kv), r.read(p + V_BIAS, kv)))
                    : Optional.empty();
            Optional<LayerWeights.QkNorm> norm = c.architecture().qkNorm()
                    ? Optional.of(new LayerWeights.QkNorm(r.read(p + Q_NORM, hs), r.read(p + K_NORM, hs)))
                    : Optional.empty();
            layers.add(new LayerWeights(
                    r.read(p + "input_layernorm.weight", dim),
                    r.read(p + Target.Q.hfPath() + ".weight", q, dim),
                    r.read(p + Target.K.hfPath() + ".weight", kv, dim),
                    r.read(p + Target.V.hfPath() + ".weight", kv, dim),
                    r.read(p + Target.O.hfPath() + ".weight", dim, q),
                    r.read(p + "post_attention_layernorm.weight", dim),
                    r.read(p + Target.GATE.hfPath() + ".weight", hidden, dim),
                    r.read(p + Target.UP.hfPath() + ".weight", hidden, dim),
                    r.read(p + Target.DOWN.hfPath() + ".weight", dim, hidden),
                    bias, norm));
        }
        Tensor finalNorm = r.read("model.norm.weight", dim);
        // Transformers ignores lm_head.weight when the embeddings are tied, and so do we.
        Tensor classifier = c.tiedClassifier() ? embedding : r.read("lm_head.weight", c.vocabSize(), dim);
        return new LlamaWeights(c, embedding, layers, finalNorm, classifier);
    }

    /** Hugging Face tensor names → tensors of a model, with q/k rows in HALF_SPLIT order (permuted when needed). */
    public static Map<String, Tensor> tensors(LlamaWeights weights) {
        LlamaWeights w = RopePermutation.convert(weights, Rope.Style.HALF_SPLIT);
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", w.tokenEmbedding());
        for (int l = 0; l < w.layers().size(); l++) {
            LayerWeights b = w.layers().get(l);
            String p = LAYER + l + ".";
            out.put(p + "input_layernorm.weight", b.attnNorm());
            for (Target t : List.of(Target.Q, Target.K, Target.V, Target.O)) out.put(p + t.hfPath() + ".weight", t.weight(b));
            b.bias().ifPresent(bias -> {
                out.put(p + Q_BIAS, bias.q());
                out.put(p + K_BIAS, bias.k());
                out.put(p + V_BIAS, bias.v());
            });
            b.qkNorm().ifPresent(norm -> {
                out.put(p + Q_NORM, norm.q());
                out.put(p + K_NORM, norm.k());
            });
            out.put(p + "post_attention_layernorm.weight", b.ffnNorm());
            for (Target t : List.of(Target.GATE, Target.UP, Target.DOWN)) out.put(p + t.hfPath() + ".weight", t.weight(b));
        }
        out.put("model.norm.weight", w.finalNorm());
        if (!w.config().tiedClassifier()) out.put("lm_head.weight", w.classifier());
        return out;
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (F32) into {@code dir}, each atomically; INTERLEAVED
     * q/k rows are permuted to HALF_SPLIT as Hugging Face's conversion does.
     */
    public static void write(Path dir, LlamaWeights weights) throws IOException {
        write(dir, weights, ElementType.F32);
    }

    /** {@link #write(Path, LlamaWeights)} with the tensors stored as {@code dtype} (F32, BF16 or F16). */
    public static void write(Path dir, LlamaWeights weights, ElementType dtype) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors(weights), Map.of("format", "pt"), dtype);
        AtomicFile.writeString(dir.resolve(CONFIG), HuggingFaceConfig.toJson(weights.config()));
    }
}
