package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Recomputing each block in backward gives the losses and gradients of keeping its activations. */
class CheckpointingTest {
    private static float[][] lossAndGradients(LlamaWeights w, boolean checkpointing, TokenBatch batch) {
        LlamaModel model = LlamaModel.of(w, LlamaModel.fullFineTuning()).checkpointing(checkpointing);
        List<Var> params = model.parameters();
        Tape.zeroGrad(params);
        Var loss = model.loss(batch, 0);
        Tape.backward(loss);
        float[][] out = new float[params.size() + 1][];
        out[0] = new float[] {loss.value().get(0)};
        for (int i = 0; i < params.size(); i++) out[i + 1] = params.get(i).grad().toArray();
        return out;
    }

    @Test
    void sameLossAndGradientsAsWithoutIt() {
        LlamaConfig c = TinyModels.config();
        TokenBatch batch = TinyModels.batch(c, 2);
        float[][] plain = lossAndGradients(TinyModels.random(c, 1), false, batch);
        float[][] recomputed = lossAndGradients(TinyModels.random(c, 1), true, batch);
        assertThat(recomputed.length).isEqualTo(plain.length);
        assertThat(recomputed[0][0]).isCloseTo(plain[0][0], within(1e-5f));
        for (int i = 1; i < plain.length; i++) {
            for (int j = 0; j < plain[i].length; j++) {
                assertThat(recomputed[i][j]).as("parameter %d element %d", i - 1, j).isCloseTo(plain[i][j], within(1e-5f + 1e-4f * Math.abs(plain[i][j])));
            }
        }
    }

    @Test
    void frozenCompactBaseTrainsItsNormsTheSameWay() {
        // The norms train, the BF16 matrices stay frozen: the block's only parameters reach the checkpoint as parents.
        LlamaConfig c = TinyModels.config();
        LlamaWeights w = TinyModels.random(c, 5).toType(ElementType.BF16);
        TokenBatch batch = TinyModels.batch(c, 3);
        LlamaModel.Parts parts = new LlamaModel.Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                return Linear.frozen(weight);
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return false;
            }
        };
        float[] losses = new float[2];
        for (int k = 0; k < 2; k++) {
            LlamaModel model = LlamaModel.of(w, parts).checkpointing(k == 1);
            losses[k] = model.loss(batch, 0).value().get(0);
        }
        assertThat(losses[1]).isCloseTo(losses[0], within(1e-6f));
    }
}
