package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.models.format.SafetensorsWriter;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA: the base model frozen, a {@link LoraAdapter}'s factors train. Saves the factors as
 * {@value #FACTORS_FILE}, tensors {@code layers.N.<q_proj|...>.lora_A} (rank, in) and {@code .lora_B} (out, rank)
 * in this engine's layout (no RoPE row permutation; the PEFT folder format is the adapter files' job).
 */
public final class LoraMethod implements TrainingMethod {
    public static final String FACTORS_FILE = "lora_factors.safetensors";

    private final LoraAdapter adapter;
    private final LlamaModel model;
    private final List<Var> parameters;

    public LoraMethod(LoraAdapter adapter) {
        this.adapter = adapter;
        this.model = LlamaModel.of(adapter.base(), adapter.parts());
        this.parameters = List.copyOf(adapter.parameters());
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    @Override
    public String name() {
        return "lora";
    }

    @Override
    public LlamaModel model() {
        return model;
    }

    @Override
    public List<Var> parameters() {
        return parameters;
    }

    @Override
    public void beginStep(long step) {
        adapter.train(step);
    }

    @Override
    public void eval() {
        adapter.eval();
    }

    @Override
    public double flops(TokenBatch batch, long step) {
        return StepFlops.lora(adapter.base().config(), adapter.config(), batch).total();
    }

    @Override
    public Map<String, Object> describe() {
        LoraConfig c = adapter.config();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", name());
        d.put("rank", c.rank());
        d.put("alpha", c.alpha());
        d.put("dropout", c.dropout());
        d.put("targets", c.targets().stream().sorted().map(Target::hfName).toList());
        d.put("trainable_parameters", FullFineTuning.trainableCount(parameters));
        return d;
    }

    @Override
    public void save(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < adapter.base().config().layers(); l++) {
            for (Target t : Target.values()) {
                LoraLinear lora = adapter.layer(l, t);
                if (lora == null) continue;
                tensors.put("layers." + l + "." + t.hfName() + ".lora_A", lora.a().value());
                tensors.put("layers." + l + "." + t.hfName() + ".lora_B", lora.b().value());
            }
        }
        SafetensorsWriter.write(runDir.resolve(FACTORS_FILE), tensors, Map.of("rank", Integer.toString(adapter.config().rank()),
                "alpha", Float.toString(adapter.config().alpha())));
    }
}
