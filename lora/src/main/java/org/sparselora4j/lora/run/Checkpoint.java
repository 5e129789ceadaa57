package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.Safetensors;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A resumable training state in one safetensors file: the trainable parameters ({@code param.i}), AdamW's
 * moments ({@code adam.m.i}, {@code adam.v.i}) and, in the metadata, the next step, the method, the settings
 * key and the steps skipped so far for a non-finite loss or gradient (so a resumed run continues the same
 * {@code --skip-nonfinite} budget; a checkpoint written before that was stored counts none). Written to a temporary file and renamed, so the previous checkpoint stays intact until the new one is
 * complete. Data order and dropout are functions of (seed, step), so nothing else is needed to resume exactly.
 */
public final class Checkpoint {
    public static final String FILE = "checkpoint.safetensors";

    /** Where a restored run stands: the step to continue from and the non-finite steps skipped before it. */
    public record Position(long nextStep, long skippedNonfinite) {
    }

    private Checkpoint() {
    }

    public static void write(Path runDir, String method, String settingsKey, long nextStep, List<Var> params, AdamW adam) throws IOException {
        write(runDir, method, settingsKey, new Position(nextStep, 0), params, adam, bytes -> {
        });
    }

    /** As above, telling {@code progress} the bytes written so far (a test stops a run in the middle of a write with it). */
    public static void write(Path runDir, String method, String settingsKey, Position position, List<Var> params, AdamW adam,
                             LongConsumer progress) throws IOException {
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
        meta.put("next_step", Long.toString(position.nextStep()));
        meta.put("skipped_nonfinite", Long.toString(position.skippedNonfinite()));
        meta.put("adam_step", Long.toString(state.step()));
        meta.put("params", Integer.toString(params.size()));
        SafetensorsWriter.write(runDir.resolve(FILE), tensors, meta, progress);
    }

    /** Whether the run folder holds a checkpoint. */
    public static boolean exists(Path runDir) {
        return Files.isRegularFile(runDir.resolve(FILE));
    }

    /** As {@link #resume}, returning only the step to continue from. */
    public static long restore(Path runDir, String method, String settingsKey, List<Var> params, AdamW adam) throws IOException {
        return resume(runDir, method, settingsKey, params, adam).nextStep();
    }

    /**
     * Restores parameters and optimizer state; returns where the run stands. Every problem is a
     * {@link ModelFormatException} with a one-line message naming the file: a damaged file, or one that belongs to
     * another method, other settings or another model. Nothing is changed unless the whole checkpoint fits.
     */
    public static Position resume(Path runDir, String method, String settingsKey, List<Var> params, AdamW adam) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "no checkpoint to resume from");
        try (Safetensors st = Safetensors.open(file)) {
            Map<String, String> meta = st.metadata();
            if (!"sparselora4j-checkpoint-1".equals(meta.get("format"))) throw new ModelFormatException(file, "not a sparselora4j checkpoint");
            if (!method.equals(meta.get("method"))) {
                throw new ModelFormatException(file, "checkpoint is for method " + meta.get("method") + ", this run uses " + method);
            }
            if (!settingsKey.equals(meta.get("settings"))) {
                throw new ModelFormatException(file, "checkpoint was written with other training settings (" + meta.get("settings") + "); resume with the same flags");
            }
            long n = count(file, meta, "params");
            long nextStep = count(file, meta, "next_step");
            long adamStep = count(file, meta, "adam_step");
            long skipped = meta.containsKey("skipped_nonfinite") ? count(file, meta, "skipped_nonfinite") : 0;
            if (n != params.size()) throw new ModelFormatException(file, "checkpoint holds " + n + " parameters, the model has " + params.size());
            List<Tensor> saved = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Shape want = params.get(i).value().shape();
                saved.add(tensor(st, file, "param." + i, want));
                m.add(tensor(st, file, "adam.m." + i, want));
                v.add(tensor(st, file, "adam.v." + i, want));
            }
            for (int i = 0; i < n; i++) params.get(i).value().copyFrom(saved.get(i));
            adam.importState(new AdamW.State(adamStep, m, v));
            return new Position(nextStep, skipped);
        }
    }

    private static long count(Path file, Map<String, String> meta, String key) throws ModelFormatException {
        String text = meta.get(key);
        try {
            long value = Long.parseLong(text == null ? "" : text);
            if (value >= 0) return value;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFormatException(file, "metadata " + key + " is " + (text == null ? "missing" : "\"" + text + "\"") + ", not a count");
    }

    private static Tensor tensor(Safetensors st, Path file, String name, Shape want) throws ModelFormatException {
        Safetensors.Info info = st.tensors().get(name);
        if (info == null) throw new ModelFormatException(file, "missing tensor " + name);
        if (!java.util.Arrays.equals(info.shape(), want.dims())) {
            throw new ModelFormatException(file, "tensor " + name + " has shape " + java.util.Arrays.toString(info.shape()) + ", the model needs " + want);
        }
        return st.read(name);
    }
}
