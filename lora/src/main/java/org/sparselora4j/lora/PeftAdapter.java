package org.sparselora4j.lora;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.RopePermutation;
import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.format.TextFiles;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA adapter as a Hugging Face PEFT folder: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * with the tensors {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} (rank, in) and
 * {@code ...lora_B.weight} (out, rank), F32. The tensors are always in Hugging Face's layout: for a base model
 * with INTERLEAVED RoPE (llama2.c, GGUF) the rows of the q and k projections' B are permuted to HALF_SPLIT on
 * writing and back on reading, as the base weights are on export ({@link RopePermutation}); A is untouched because
 * the input space is not permuted. So an adapter trained here on a llama2.c file applies in PEFT to the Hugging
 * Face conversion of that file, and the other way round.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    /** {@code base_model.model.model.layers.N.<self_attn|mlp>.<module>.lora_<A|B>.weight}. */
    private static final Pattern TENSOR = Pattern.compile("base_model\\.model\\.model\\.layers\\.(\\d+)\\.(\\w+)\\.(\\w+)\\.lora_([AB])\\.weight");

    private PeftAdapter() {
    }

    /** The PEFT tensor name of factor A or B of {@code target} in block {@code layer}. */
    public static String tensorName(int layer, Target target, Factor factor) {
        return "base_model.model.model.layers." + layer + "." + target.hfPath() + ".lora_" + factor.name() + ".weight";
    }

    /** The two LoRA factors. */
    public enum Factor { A, B }

    /** Writes the adapter with no {@code base_model_name_or_path} (JSON null). */
    public static void write(Path dir, LoraAdapter adapter) throws IOException {
        writeFiles(dir, adapter, null);
    }

    /**
     * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} into {@code dir} (created if
     * needed). Both files are first written in full beside their targets and then renamed over them, the weights
     * first, so an adapter already in {@code dir} is never replaced by a half-written one. (A crash between the
     * two renames leaves new weights beside the old config; reading checks every shape against r and the model.)
     */
    public static void write(Path dir, LoraAdapter adapter, String baseModelNameOrPath) throws IOException {
        if (baseModelNameOrPath == null) throw new IllegalArgumentException("base model name is null; use write(dir, adapter)");
        writeFiles(dir, adapter, baseModelNameOrPath);
    }

    private static void writeFiles(Path dir, LoraAdapter adapter, String baseModel) throws IOException {
        Files.createDirectories(dir);
        Path weights = dir.resolve(WEIGHTS);
        Path config = dir.resolve(CONFIG);
        Path weightsTmp = Files.createTempFile(dir, "." + WEIGHTS + ".", ".tmp");
        Path configTmp = Files.createTempFile(dir, "." + CONFIG + ".", ".tmp");
        try {
            try {
                SafetensorsWriter.write(weightsTmp, tensors(adapter), Map.of("format", "pt"));
                writeSynced(configTmp, PeftConfig.toJson(adapter.config(), baseModel));
            } catch (IOException e) {
                // A full disk or a file-size limit: name the adapter, not the temporary file.
                String why = e.getCause() instanceof IOException cause ? cause.getMessage() : e.getMessage();
                throw new IOException(weights + ": not written (" + why + ")"
                        + (Files.exists(weights) ? "; the previous adapter is kept unchanged" : ""), e);
            }
            replace(weightsTmp, weights);
            replace(configTmp, config);
        } finally {
            Files.deleteIfExists(weightsTmp);
            Files.deleteIfExists(configTmp);
        }
    }

    /** PEFT tensor names → factors in Hugging Face layout (q/k B rows HALF_SPLIT), layer by layer in target order. */
    public static Map<String, Tensor> tensors(LoraAdapter adapter) {
        LlamaConfig c = adapter.base().config();
        boolean permute = c.ropeStyle() == Rope.Style.INTERLEAVED;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            for (Target t : Target.values()) {
                LoraLinear lora = adapter.layer(l, t);
                if (lora == null) continue;
                Tensor b = lora.b().value();
                if (permute && t == Target.Q) b = RopePermutation.toHalfSplit(b, c.heads());
                if (permute && t == Target.K) b = RopePermutation.toHalfSplit(b, c.kvHeads());
                out.put(tensorName(l, t, Factor.A), lora.a().value());
                out.put(tensorName(l, t, Factor.B), b);
            }
        }
        return out;
    }

    /** Reads and checks {@code adapter_config.json} of the folder. */
    public static LoraConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir, "no such adapter folder");
        if (!Files.isRegularFile(file)) throw new ModelFormatException(dir, "not a PEFT adapter folder: no " + CONFIG);
        Map<String, Object> json;
        try {
            json = Json.parseObject(TextFiles.readUtf8(file));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage());
        }
        return PeftConfig.parse(file, json);
    }

    /**
     * Reads the adapter in {@code dir} over {@code base}. Every targeted projection of every block must have
     * both factors with shapes that fit the model; tensors for other modules or for blocks the model does not
     * have are errors. B rows of q and k are permuted to the base's RoPE style.
     */
    public static LoraAdapter read(Path dir, LlamaWeights base) throws IOException {
        LoraConfig config = readConfig(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) throw new ModelFormatException(dir, "not a PEFT adapter folder: no " + WEIGHTS);
        LlamaConfig c = base.config();
        List<Map<Target, Tensor>> a = new ArrayList<>(), b = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            a.add(new EnumMap<>(Target.class));
            b.add(new EnumMap<>(Target.class));
        }
        try (Safetensors st = Safetensors.open(file)) {
            for (String name : st.tensors().keySet()) checkName(file, name, c, config.targets());
            for (int l = 0; l < c.layers(); l++) {
                for (Target t : Target.values()) {
                    if (!config.targets().contains(t)) continue; // in block order, so the first misfit is reported
                    int out = t.weight(base.layers().get(l)).rows(), in = t.weight(base.layers().get(l)).cols();
                    a.get(l).put(t, factor(st, file, tensorName(l, t, Factor.A), config.rank(), in));
                    Tensor bt = factor(st, file, tensorName(l, t, Factor.B), out, config.rank());
                    if (c.ropeStyle() == Rope.Style.INTERLEAVED && t == Target.Q) bt = RopePermutation.toInterleaved(bt, c.heads());
                    if (c.ropeStyle() == Rope.Style.INTERLEAVED && t == Target.K) bt = RopePermutation.toInterleaved(bt, c.kvHeads());
                    b.get(l).put(t, bt);
                }
            }
        }
        return LoraAdapter.of(base, config, a, b);
    }

    private static Tensor factor(Safetensors st, Path file, String name, int rows, int cols) throws ModelFormatException {
        Safetensors.Info info = st.tensors().get(name);
        if (info == null) throw new ModelFormatException(file, "adapter does not fit the model: missing tensor " + name);
        int[] want = {rows, cols};
        if (!Arrays.equals(info.shape(), want)) {
            throw new ModelFormatException(file, "adapter does not fit the model: tensor " + name + " has shape "
                    + Arrays.toString(info.shape()) + ", the model and r need " + Arrays.toString(want));
        }
        return st.read(name);
    }

    /** Every tensor must be a LoRA factor of a targeted projection in a block the model has. */
    private static void checkName(Path file, String name, LlamaConfig c, Set<Target> targets) throws ModelFormatException {
        Matcher m = TENSOR.matcher(name);
        if (!m.matches()) throw new ModelFormatException(file, "unexpected tensor " + name + " (only LoRA factors of decoder-layer projections are supported)");
        int layer;
        try {
            layer = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            layer = Integer.MAX_VALUE; // more digits than an int: beyond any model
        }
        Target target = null;
        for (Target t : Target.values()) if (t.hfPath().equals(m.group(2) + "." + m.group(3))) target = t;
        if (target == null) throw new ModelFormatException(file, "unexpected tensor " + name + ": unknown module " + m.group(2) + "." + m.group(3));
        if (layer >= c.layers()) {
            throw new ModelFormatException(file, "adapter does not fit the model: tensor " + name + " is for layer " + m.group(1)
                    + " but the model has " + c.layers() + " layers");
        }
        if (!targets.contains(target)) {
            throw new ModelFormatException(file, "tensor " + name + " is for " + target.hfName() + ", which target_modules does not list");
        }
    }

    private static void writeSynced(Path file, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
    }

    private static void replace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
