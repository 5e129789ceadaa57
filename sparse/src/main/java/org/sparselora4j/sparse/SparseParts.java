package org.sparselora4j.sparse;

import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.models.llama.AttentionBlock;
import org.sparselora4j.models.llama.AttentionInputs;
import org.sparselora4j.models.llama.FeedForward;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;

/**
 * How a SparseLoRA model is built: the LoRA adapter's projections (frozen, LoRA-wrapped where targeted), with
 * {@link SparseAttention} and {@link SparseFeedForward} halves in the layers the plan makes sparse and the dense
 * halves everywhere else.
 */
public record SparseParts(LoraAdapter adapter, SparsityPlan plan, ChannelPredictor predictor, BaseGradient baseGradient)
        implements LlamaModel.Parts {
    public SparseParts {
        int layers = adapter.base().config().layers();
        if (plan.layers() != layers) {
            throw new IllegalArgumentException("sparsity plan covers " + plan.layers() + " layers but the model has " + layers);
        }
    }

    @Override
    public Linear linear(int layer, Target target, Tensor weight) {
        return adapter.parts().linear(layer, target, weight);
    }

    @Override
    public boolean trainsEmbeddingsAndNorms() {
        return false;
    }

    @Override
    public Backend backend() {
        return adapter.backend();
    }

    @Override
    public AttentionBlock attention(int layer, LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo, AttentionInputs inputs) {
        if (plan.attention(layer) == 0) return new AttentionBlock.Dense(config, wq, wk, wv, wo, inputs);
        return new SparseAttention(layer, config, wq, wk, wv, wo, inputs, plan, predictor, baseGradient);
    }

    @Override
    public FeedForward feedForward(int layer, LlamaConfig config, Linear gate, Linear up, Linear down) {
        if (plan.ffn(layer) == 0) return new FeedForward.Dense(gate, up, down);
        return new SparseFeedForward(layer, gate, up, down, plan, predictor);
    }
}
