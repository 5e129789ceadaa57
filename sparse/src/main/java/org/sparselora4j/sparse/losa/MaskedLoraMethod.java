package org.sparselora4j.sparse.losa;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.StepFlops;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Masked LoRA as a {@link TrainingMethod}, so that one round of LoSA fine-tuning is the ordinary training loop.
 * The base is frozen and pruned; the adapter's factors train. Saves {@value #ROUND_FILE} (its settings and
 * ranks): the round's result is the adapter in memory, merged only at the end of LoSA.
 */
public final class MaskedLoraMethod implements TrainingMethod {
    public static final String ROUND_FILE = "masked-lora.json";

    private final MaskedLoraAdapter adapter;
    private final LlamaModel model;
    private final List<Var> parameters;

    public MaskedLoraMethod(MaskedLoraAdapter adapter) {
        this.adapter = adapter;
        this.model = LlamaModel.of(adapter.base(), adapter.parts());
        this.parameters = List.copyOf(adapter.parameters());
    }

    public MaskedLoraAdapter adapter() {
        return adapter;
    }

    @Override
    public String name() {
        return "losa";
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

    /** The frozen model's passes plus, per targeted projection, the materialised Δ and its dense products. */
    @Override
    public double flops(TokenBatch batch, long step) {
        LlamaConfig c = adapter.base().config();
        LoraConfig lora = adapter.config();
        double total = StepFlops.count(c, batch.batchSize(), batch.seqLen(), batch.labelCount(), false, 0, lora.targets()).total();
        long n = (long) batch.batchSize() * batch.seqLen();
        int[] ranks = adapter.ranks();
        for (int l = 0; l < c.layers(); l++) {
            for (Target t : lora.targets()) {
                double size = (double) adapter.layer(l, t).inFeatures() * adapter.layer(l, t).outFeatures();
                // B_r·A_r forward; dA_r and dB_r backward; x·Δᵀ forward; Gᵀ·x and G·Δ backward.
                total += 3 * 2.0 * size * ranks[l] + 3 * 2.0 * n * size;
            }
        }
        return total;
    }

    @Override
    public Map<String, Object> describe() {
        LoraConfig c = adapter.config();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", name());
        d.put("max_rank", c.rank());
        d.put("ranks", Arrays.stream(adapter.ranks()).boxed().toList());
        d.put("alpha", c.alpha());
        d.put("dropout", c.dropout());
        d.put("targets", c.targets().stream().sorted().map(Target::hfName).toList());
        d.put("trainable_parameters", parameters.stream().mapToLong(v -> v.value().size()).sum());
        return d;
    }

    @Override
    public void save(Path runDir) throws IOException {
        AtomicFile.writeString(runDir.resolve(ROUND_FILE), Json.write(describe()) + "\n");
    }
}
