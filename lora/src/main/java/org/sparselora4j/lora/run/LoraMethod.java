package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.lora.PeftAdapter;
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
 * LoRA: the base model frozen, a {@link LoraAdapter}'s factors train. Saves a Hugging Face PEFT adapter folder
 * ({@value #ADAPTER_DIR}/ in the run folder).
 */
public final class LoraMethod implements TrainingMethod {
    public static final String ADAPTER_DIR = "adapter";

    private final LoraAdapter adapter;
    private final LlamaModel model;
    private final List<Var> parameters;

    private final String baseModel;

    /** LoRA over the adapter's base model, which the saved adapter does not name. */
    public LoraMethod(LoraAdapter adapter) {
        this(adapter, null);
    }

    /** LoRA over the adapter's base model; {@code baseModel} names it in the adapter's config (may be null). */
    public LoraMethod(LoraAdapter adapter, String baseModel) {
        this.adapter = adapter;
        this.baseModel = baseModel;
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
        if (baseModel == null) PeftAdapter.write(runDir.resolve(ADAPTER_DIR), adapter);
        else PeftAdapter.write(runDir.resolve(ADAPTER_DIR), adapter, baseModel);
    }
}
