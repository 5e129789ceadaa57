package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Full fine-tuning: every weight of the model trains, in place. Saves the model as a Hugging Face folder. */
public final class FullFineTuning implements TrainingMethod {
    /** The folder inside the run folder that {@link #save} writes. */
    public static final String MODEL_DIR = "model";

    private final LlamaWeights weights;
    private final LlamaModel model;
    private final List<Var> parameters;

    /** Trains {@code weights} themselves (not a copy). */
    public FullFineTuning(LlamaWeights weights) {
        this.weights = weights;
        this.model = LlamaModel.of(weights, LlamaModel.fullFineTuning());
        this.parameters = List.copyOf(model.parameters());
    }

    @Override
    public String name() {
        return "full";
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
    }

    @Override
    public void eval() {
    }

    @Override
    public double flops(TokenBatch batch, long step) {
        return StepFlops.fullFineTuning(weights.config(), batch).total();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", name());
        d.put("trainable_parameters", trainableCount(parameters));
        return d;
    }

    @Override
    public void save(Path runDir) throws IOException {
        HuggingFaceModel.write(runDir.resolve(MODEL_DIR), weights);
    }

    static long trainableCount(List<Var> params) {
        long n = 0;
        for (Var p : params) n += p.value().size();
        return n;
    }
}
