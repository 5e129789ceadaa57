package org.sparselora4j.lora;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.llama.Target;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code adapter_config.json} of a PEFT LoRA adapter ↔ {@link LoraConfig}. Writing gives every field PEFT's own
 * LoRA config writes for a plain adapter; reading accepts what this engine can apply exactly (plain LoRA with
 * scale alpha / r on whole decoder-layer projections) and names the field of anything else.
 */
final class PeftConfig {
    private PeftConfig() {
    }

    /** The JSON text, one object; {@code baseModel} may be null (written as null). */
    static String toJson(LoraConfig config, String baseModel) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("peft_type", "LORA");
        json.put("task_type", "CAUSAL_LM");
        json.put("r", config.rank());
        json.put("lora_alpha", shortest(config.alpha()));
        json.put("lora_dropout", shortest(config.dropout()));
        List<String> modules = new ArrayList<>();
        for (Target t : EnumSet.copyOf(config.targets())) modules.add(t.hfName());
        json.put("target_modules", modules);
        json.put("base_model_name_or_path", baseModel);
        json.put("bias", "none");
        json.put("fan_in_fan_out", false);
        json.put("inference_mode", true);
        json.put("modules_to_save", null);
        json.put("init_lora_weights", true);
        json.put("use_rslora", false);
        json.put("use_dora", false);
        json.put("revision", null);
        json.put("layers_to_transform", null);
        json.put("rank_pattern", Map.of());
        json.put("alpha_pattern", Map.of());
        return Json.write(json) + "\n";
    }

    /** 0.05f as 0.05 rather than 0.05000000074505806. */
    private static double shortest(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    /** The config in {@code json}, read from {@code file} (named in errors). */
    static LoraConfig parse(Path file, Map<String, Object> json) throws ModelFormatException {
        Object type = json.get("peft_type");
        if (!"LORA".equals(type)) {
            throw new ModelFormatException(file, "peft_type is " + (type == null ? "missing" : Json.write(type)) + ", expected \"LORA\"");
        }
        int rank = rank(file, json.get("r"));
        float alpha = positive(file, "lora_alpha", json.get("lora_alpha"));
        float dropout = dropout(file, json.get("lora_dropout"));
        Set<Target> targets = targets(file, json.get("target_modules"));
        unsupportedUnless(file, json, "bias", v -> v == null || "none".equals(v), "only bias \"none\" is supported");
        unsupportedUnless(file, json, "use_dora", v -> v == null || Boolean.FALSE.equals(v), "DoRA adapters are not supported");
        unsupportedUnless(file, json, "use_rslora", v -> v == null || Boolean.FALSE.equals(v),
                "rsLoRA scaling (alpha/sqrt(r)) is not supported");
        unsupportedUnless(file, json, "fan_in_fan_out", v -> v == null || Boolean.FALSE.equals(v),
                "fan_in_fan_out weights (GPT-2 Conv1D) are not supported");
        unsupportedUnless(file, json, "modules_to_save", v -> v == null || (v instanceof List<?> l && l.isEmpty()),
                "modules_to_save (fully trained extra modules) is not supported");
        unsupportedUnless(file, json, "layers_to_transform", v -> v == null || (v instanceof List<?> l && l.isEmpty()),
                "adapters on only some layers (layers_to_transform) are not supported");
        unsupportedUnless(file, json, "rank_pattern", v -> v == null || (v instanceof Map<?, ?> m && m.isEmpty()),
                "per-module ranks (rank_pattern) are not supported");
        unsupportedUnless(file, json, "alpha_pattern", v -> v == null || (v instanceof Map<?, ?> m && m.isEmpty()),
                "per-module alphas (alpha_pattern) are not supported");
        return new LoraConfig(rank, alpha, dropout, targets);
    }

    private static int rank(Path file, Object r) throws ModelFormatException {
        if (r == null) throw new ModelFormatException(file, "r (the LoRA rank) is missing");
        if (!(r instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1 || n.doubleValue() > 65536) {
            throw new ModelFormatException(file, "r must be an integer in [1, 65536], got " + Json.write(r));
        }
        return n.intValue();
    }

    private static float positive(Path file, String field, Object v) throws ModelFormatException {
        if (v == null) throw new ModelFormatException(file, field + " is missing");
        // Tested as a float, the type it is kept in: 1e-320 is a positive double but a zero float.
        if (!(v instanceof Number n) || !(n.floatValue() > 0) || !Float.isFinite(n.floatValue())) {
            throw new ModelFormatException(file, field + " must be a positive number, got " + Json.write(v));
        }
        return n.floatValue();
    }

    private static float dropout(Path file, Object v) throws ModelFormatException {
        if (v == null) return 0f;
        if (!(v instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() < 1)) {
            throw new ModelFormatException(file, "lora_dropout must be a number in [0, 1), got " + Json.write(v));
        }
        return n.floatValue();
    }

    /** A list of module names, or PEFT's "all-linear" (every projection of a LLaMA block). */
    private static Set<Target> targets(Path file, Object v) throws ModelFormatException {
        if (v == null) throw new ModelFormatException(file, "target_modules is missing");
        if ("all-linear".equals(v)) return EnumSet.allOf(Target.class);
        if (v instanceof String s) {
            throw new ModelFormatException(file, "target_modules as a pattern (\"" + s + "\") is not supported; list the modules, e.g. [\"q_proj\", \"v_proj\"]");
        }
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw new ModelFormatException(file, "target_modules must be a non-empty list of module names, got " + Json.write(v));
        }
        Set<Target> targets = EnumSet.noneOf(Target.class);
        for (Object o : list) {
            Target found = null;
            for (Target t : Target.values()) if (t.hfName().equals(o)) found = t;
            if (found == null) {
                throw new ModelFormatException(file, "unknown target module " + Json.write(o)
                        + " in target_modules (a LLaMA block has q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
            }
            targets.add(found);
        }
        return targets;
    }

    private static void unsupportedUnless(Path file, Map<String, Object> json, String field, Predicate<Object> check, String why) throws ModelFormatException {
        Object v = json.get(field);
        if (!check.test(v)) throw new ModelFormatException(file, field + " is " + Json.write(v) + ": " + why);
    }
}
