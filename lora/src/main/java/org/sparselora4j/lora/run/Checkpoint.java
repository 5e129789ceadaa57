package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resumable training state in one safetensors file: the trainable parameters ({@code param.i}), AdamW's
 * moments ({@code adam.m.i}, {@code adam.v.i}) and, in the metadata, the next step, the method and the settings
 * key. Written to a temporary file and renamed, so the previous checkpoint stays intact until the new one is
 * complete. Data order and dropout are functions of (seed, step), so nothing else is needed to resume exactly.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.safetensors";

    private Checkpoint() {
    }

    public static void write(Path runDir, String method, String settingsKey, long nextStep, List<Var> params, AdamW adam) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) tensors.put("param." + i, params.get(i).value());
        AdamW.State state = adam.exportState();
        for (int i = 0; i < state.m().size(); i++) {
            tensors.put("adam.m." + i, state.m().get(i));
            tensors.put("adam.v." + i, state.v().get(i));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "sparselora4j-checkpoint-1");
        meta.put("method", method);
        meta.put("settings", settingsKey);
        meta.put("next_step", Long.toString(nextStep));
        meta.put("adam_step", Long.toString(state.step()));
        meta.put("params", Integer.toString(params.size()));
        SafetensorsWriter.write(runDir.resolve(FILE), tensors, meta);
    }

    /**
     * Restores parameters and optimizer state; returns the step to continue from. Throws with a one-line message
     * when the checkpoint belongs to another method, other settings or another model.
     */
    public static long restore(Path runDir, String method, String settingsKey, List<Var> params, AdamW adam) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no checkpoint to resume from");
        try (Safetensors st = Safetensors.open(file)) {
            Map<String, String> meta = st.metadata();
            if (!"sparselora4j-checkpoint-1".equals(meta.get("format"))) throw new IllegalArgumentException(file + ": not a sparselora4j checkpoint");
            if (!method.equals(meta.get("method"))) {
                throw new IllegalArgumentException(file + ": checkpoint is for method " + meta.get("method") + ", this run uses " + method);
            }
            if (!settingsKey.equals(meta.get("settings"))) {
                throw new IllegalArgumentException(file + ": checkpoint was written with other training settings (" + meta.get("settings") + "); resume with the same flags");
            }
            int n = Integer.parseInt(meta.getOrDefault("params", "-1"));
            if (n != params.size()) throw new IllegalArgumentException(file + ": checkpoint holds " + n + " parameters, the model has " + params.size());
            List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Tensor saved = st.read("param." + i);
                Tensor current = params.get(i).value();
                if (!saved.shape().equals(current.shape())) {
                    throw new IllegalArgumentException(file + ": parameter " + i + " has shape " + saved.shape() + ", the model needs " + current.shape());
                }
                current.copyFrom(saved);
                m.add(st.read("adam.m." + i));
                v.add(st.read("adam.v." + i));
            }
            adam.importState(new AdamW.State(Long.parseLong(meta.get("adam_step")), m, v));
            return Long.parseLong(meta.get("next_step"));
        }
    }
}
