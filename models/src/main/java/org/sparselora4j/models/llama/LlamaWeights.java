package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;

import java.util.List;

/**
 * All weights of a LLaMA model, independent of the file they came from.
 *
 * @param config         the model's shape
 * @param tokenEmbedding (vocabSize, dim)
 * @param layers         one entry per decoder block
 * @param finalNorm      RMSNorm weight before the classifier (dim)
 * @param classifier     (vocabSize, dim); the same object as tokenEmbedding when the config ties them
 */
public record LlamaWeights(LlamaConfig config, Tensor tokenEmbedding, List<LayerWeights> layers, Tensor finalNorm, Tensor classifier) {
    public LlamaWeights {
        layers = List.copyOf(layers);
        if (layers.size() != config.layers()) {
            throw new IllegalArgumentException(layers.size() + " layers of weights for a config of " + config.layers());
        }
        tokenEmbedding.expect("token embedding", config.vocabSize(), config.dim());
        finalNorm.expect("final norm", config.dim());
        classifier.expect("classifier", config.vocabSize(), config.dim());
        if (config.tiedClassifier() && classifier != tokenEmbedding) {
            throw new IllegalArgumentException("config ties the classifier to the embedding but a separate classifier was given");
        }
        for (int i = 0; i < layers.size(); i++) layers.get(i).check(config, i);
    }
}
