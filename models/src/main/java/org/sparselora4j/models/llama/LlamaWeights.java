package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

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

    /** Bytes that hold all weights (a tied classifier counted once): compact matrices at their stored size. */
    public long storageBytes() {
        long n = tokenEmbedding.storageBytes() + finalNorm.storageBytes() + (classifier == tokenEmbedding ? 0 : classifier.storageBytes());
        for (LayerWeights l : layers) {
            for (Tensor t : List.of(l.attnNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.gate(), l.up(), l.down())) n += t.storageBytes();
        }
        return n;
    }

    /** True when some matrix is compact (stored in a type other than float32 on the heap). */
    public boolean anyCompact() {
        if (tokenEmbedding.isCompact() || classifier.isCompact()) return true;
        for (LayerWeights l : layers) {
            for (Tensor t : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) if (t.isCompact()) return true;
        }
        return false;
    }

    /** The same model with every matrix (embedding, classifier, projections) replaced by {@code f} of it; norms kept. */
    public LlamaWeights withMatrices(UnaryOperator<Tensor> f) {
        List<LayerWeights> out = new ArrayList<>();
        for (LayerWeights l : layers) {
            out.add(l.withProjections(f.apply(l.wq()), f.apply(l.wk()), f.apply(l.wv()), f.apply(l.wo()), f.apply(l.gate()), f.apply(l.up()),
                    f.apply(l.down())));
        }
        Tensor embedding = f.apply(tokenEmbedding);
        return new LlamaWeights(config, embedding, out, finalNorm, classifier == tokenEmbedding ? embedding : f.apply(classifier));
    }

    /** Every matrix as float32 on the heap (decoded where compact): what full fine-tuning and LoSA change. */
    public LlamaWeights toFloat32() {
        return anyCompact() ? withMatrices(Tensor::toFloat32) : this;
    }

    /** Every matrix stored as {@code type} ({@code --weights}): F32 decodes, another type encodes. */
    public LlamaWeights toType(ElementType type) {
        if (type == ElementType.F32) return toFloat32();
        return withMatrices(w -> {
            if (w.cols() % type.blockSize() != 0) {
                throw new IllegalArgumentException(type + " stores rows of whole " + type.blockSize() + "-element blocks; a " + w.shape() + " matrix has rows of " + w.cols());
            }
            return Quantize.toType(w, type);
        });
    }
}
