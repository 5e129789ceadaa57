package org.sparselora4j.sparse;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.StepFlops;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.TokenBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SparseLoRA: LoRA whose frozen base runs, in the layers and steps a {@link SparsityPlan} makes sparse, on the
 * channels a {@link ChannelPredictor} picks, for the context tokens only. Trains and saves exactly what
 * {@link LoraMethod} does (the same adapter, written as a PEFT folder); only the training compute differs.
 */
public final class SparseLoraMethod implements TrainingMethod {
    /**
     * The settings beside the adapter: plan, predictor, backward mode, and for the FLOP count the SVD predictor's
     * rank (0: uncounted) and FFN scoring (which must be the predictor's own when it is an {@link SvdPredictor}).
     */
    public record Settings(SparsityPlan plan, ChannelPredictor predictor, BaseGradient baseGradient, int predictorRank, FfnScoring ffnScoring,
                           String predictorName) {
        public Settings {
            if (predictorRank < 0) throw new IllegalArgumentException("predictor rank must not be negative, got " + predictorRank);
            if (ffnScoring == null) throw new IllegalArgumentException("FFN scoring must be given");
            if (predictor instanceof SvdPredictor svd && svd.ffnScoring() != ffnScoring) {
                throw new IllegalArgumentException("FFN scoring " + ffnScoring.cliName() + " does not match the SVD predictor's " + svd.ffnScoring().cliName());
            }
        }
    }

    private final LoraMethod lora;
    private final Settings settings;
    private final TimedPredictor predictor;
    private final LlamaModel model;
    private double sparseFlops, predictorFlops, denseFlops;

    public SparseLoraMethod(LoraAdapter adapter, Settings settings, String baseModel) {
        this.lora = new LoraMethod(adapter, baseModel);
        this.settings = settings;
        this.predictor = new TimedPredictor(settings.predictor(), adapter.base().config().layers());
        this.model = LlamaModel.of(adapter.base(), new SparseParts(adapter, settings.plan(), predictor, settings.baseGradient()));
    }

    public LoraAdapter adapter() {
        return lora.adapter();
    }

    public SparsityPlan plan() {
        return settings.plan();
    }

    /** The predictor as the model calls it, with its time and last picks. */
    public TimedPredictor predictor() {
        return predictor;
    }

    @Override
    public String name() {
        return "sparselora";
    }

    @Override
    public LlamaModel model() {
        return model;
    }

    @Override
    public List<Var> parameters() {
        return lora.parameters();
    }

    @Override
    public void beginStep(long step) {
        lora.beginStep(step);
    }

    @Override
    public void eval() {
        lora.eval();
    }

    /** FLOPs of the step (base, LoRA and predictor); also summed for the run's ratio to dense LoRA. */
    @Override
    public double flops(TokenBatch batch, long step) {
        SparseFlops.Count c = count(batch, step);
        sparseFlops += c.step().total();
        predictorFlops += c.predictor();
        denseFlops += denseLora(batch).total();
        return c.total();
    }

    /** The count of one pass without adding it to the run's sums. */
    public SparseFlops.Count count(TokenBatch batch, long step) {
        LlamaConfig c = adapter().base().config();
        return SparseFlops.of(c, adapter().config(), batch, step, settings.plan(), settings.baseGradient(), predictor, settings.predictorRank(),
                settings.ffnScoring());
    }

    /** FLOPs(SparseLoRA) / FLOPs(dense LoRA) of one pass, predictor included. */
    public double flopRatio(TokenBatch batch, long step) {
        return count(batch, step).total() / denseLora(batch).total();
    }

    private StepFlops.Count denseLora(TokenBatch batch) {
        return StepFlops.lora(adapter().base().config(), adapter().config(), batch);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>(lora.describe());
        d.put("method", name());
        d.put("sparsity", settings.plan().describe());
        d.put("dense_warmup_steps", settings.plan().warmupSteps());
        d.put("predictor", settings.predictorName());
        if (settings.predictorRank() > 0) d.put("ffn_scoring", settings.ffnScoring().cliName());
        d.put("base_gradient", settings.baseGradient().name().toLowerCase(java.util.Locale.ROOT));
        if (denseFlops > 0) {
            d.put("flop_ratio", (sparseFlops + predictorFlops) / denseFlops);
            d.put("predictor_flop_share", predictorFlops / (sparseFlops + predictorFlops));
        }
        d.put("predictor_ms", predictor.nanos() / 1e6);
        d.put("predictor_calls", predictor.calls());
        return d;
    }

    @Override
    public void save(Path runDir) throws IOException {
        lora.save(runDir);
    }
}
