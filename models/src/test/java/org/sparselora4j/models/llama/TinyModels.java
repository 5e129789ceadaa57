package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Randomly initialised small models for tests. */
public final class TinyModels {
    private TinyModels() {
    }

    /** dim 16, 2 layers, 4 heads over 2 kv heads, ffn 24, vocab 32, context 16. */
    public static LlamaConfig config() {
        return new LlamaConfig(16, 24, 2, 4, 2, 32, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    }

    public static LlamaWeights random(LlamaConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float s = 0.3f;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new LayerWeights(norm(r, c.dim()), Tensor.randn(r, s, c.dim(), c.dim()), Tensor.randn(r, s, c.kvDim(), c.dim()),
                    Tensor.randn(r, s, c.kvDim(), c.dim()), Tensor.randn(r, s, c.dim(), c.dim()), norm(r, c.dim()),
                    Tensor.randn(r, s, c.hiddenDim(), c.dim()), Tensor.randn(r, s, c.hiddenDim(), c.dim()), Tensor.randn(r, s, c.dim(), c.hiddenDim())));
        }
        Tensor embedding = Tensor.randn(r, 1f, c.vocabSize(), c.dim());
        Tensor classifier = c.tiedClassifier() ? embedding : Tensor.randn(r, s, c.vocabSize(), c.dim());
        return new LlamaWeights(c, embedding, layers, norm(r, c.dim()), classifier);
    }

    private static Tensor norm(SplittableRandom r, int dim) {
        Tensor t = Tensor.zeros(dim);
        for (int i = 0; i < dim; i++) t.data()[i] = 1f + (float) (r.nextDouble() - 0.5) * 0.2f;
        return t;
    }

    /** Two rows, the second padded, with labels on the last three real positions of each. */
    public static TokenBatch batch(LlamaConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int t = 7;
        int[] lengths = {7, 5};
        int[] tokens = new int[2 * t];
        int[] targets = new int[2 * t];
        java.util.Arrays.fill(targets, -1);
        for (int b = 0; b < 2; b++) {
            for (int p = 0; p < lengths[b]; p++) tokens[b * t + p] = 1 + r.nextInt(c.vocabSize() - 1);
            for (int p = lengths[b] - 4; p < lengths[b] - 1; p++) targets[b * t + p] = tokens[b * t + p + 1];
        }
        return new TokenBatch(2, t, tokens, targets, lengths);
    }
}
