package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Fresh weights for a model trained from scratch, and for tests and benchmarks that need a model of a given
 * shape: nanoGPT's initialisation, every matrix normal(0, 0.02) (the output projections wo and down scaled by
 * 1/√(2·layers), GPT-2's residual scaling), every RMSNorm weight 1, q/k/v biases (where the architecture has
 * them) normal(0, std) so that tests see them.
 */
public final class LlamaInit {
    private LlamaInit() {
    }

    /** Random weights of the given shape; the same seed gives the same weights. */
    public static LlamaWeights random(LlamaConfig c, long seed) {
        return random(c, seed, 0.02f);
    }

    /** Random weights with matrices normal(0, std); tests use a larger std so that logits differ visibly. */
    public static LlamaWeights random(LlamaConfig c, long seed, float std) {
        SplittableRandom random = new SplittableRandom(seed);
        float residualStd = (float) (std / Math.sqrt(2.0 * c.layers()));
        Tensor embedding = Tensor.randn(random, std, c.vocabSize(), c.dim());
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new LayerWeights(
                    Tensor.zeros(c.dim()).fill(1f),
                    Tensor.randn(random, std, c.qDim(), c.dim()),
                    Tensor.randn(random, std, c.kvDim(), c.dim()),
                    Tensor.randn(random, std, c.kvDim(), c.dim()),
                    Tensor.randn(random, residualStd, c.dim(), c.qDim()),
                    Tensor.zeros(c.dim()).fill(1f),
                    Tensor.randn(random, std, c.hiddenDim(), c.dim()),
                    Tensor.randn(random, std, c.hiddenDim(), c.dim()),
                    Tensor.randn(random, residualStd, c.dim(), c.hiddenDim()),
                    c.architecture().qkvBias()
                            ? Optional.of(new LayerWeights.QkvBias(Tensor.randn(random, std, c.qDim()), Tensor.randn(random, std, c.kvDim()),
                                    Tensor.randn(random, std, c.kvDim())))
                            : Optional.empty(),
                    c.architecture().qkNorm()
                            ? Optional.of(new LayerWeights.QkNorm(Tensor.zeros(c.headSize()).fill(1f), Tensor.zeros(c.headSize()).fill(1f)))
                            : Optional.empty()));
        }
        Tensor classifier = c.tiedClassifier() ? embedding : Tensor.randn(random, std, c.vocabSize(), c.dim());
        return new LlamaWeights(c, embedding, layers, Tensor.zeros(c.dim()).fill(1f), classifier);
    }
}
