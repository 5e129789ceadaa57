package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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
        return random(c, seed, std, ElementType.F32);
    }

    /**
     * Random weights with every matrix stored as {@code type} (norms float32): a compact type is encoded row by
     * row straight into native memory ({@link Quantize}), never through a float32 copy of the matrix, so a model
     * larger than the heap can be made, from uniform samples of the same standard deviation. F32 gives exactly the
     * weights of {@link #random(LlamaConfig, long, float)}.
     */
    public static LlamaWeights random(LlamaConfig c, long seed, float std, ElementType type) {
        SplittableRandom random = new SplittableRandom(seed);
        float residualStd = (float) (std / Math.sqrt(2.0 * c.layers()));
        Tensor embedding = matrix(random, std, type, c.vocabSize(), c.dim());
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            layers.add(new LayerWeights(
                    Tensor.zeros(c.dim()).fill(1f),
                    matrix(random, std, type, c.qDim(), c.dim()),
                    matrix(random, std, type, c.kvDim(), c.dim()),
                    matrix(random, std, type, c.kvDim(), c.dim()),
                    matrix(random, residualStd, type, c.dim(), c.qDim()),
                    Tensor.zeros(c.dim()).fill(1f),
                    matrix(random, std, type, c.hiddenDim(), c.dim()),
                    matrix(random, std, type, c.hiddenDim(), c.dim()),
                    matrix(random, residualStd, type, c.dim(), c.hiddenDim()),
                    c.architecture().qkvBias()
                            ? Optional.of(new LayerWeights.QkvBias(Tensor.randn(random, std, c.qDim()), Tensor.randn(random, std, c.kvDim()),
                                    Tensor.randn(random, std, c.kvDim())))
                            : Optional.empty(),
                    c.architecture().qkNorm()
                            ? Optional.of(new LayerWeights.QkNorm(Tensor.zeros(c.headSize()).fill(1f), Tensor.zeros(c.headSize()).fill(1f)))
                            : Optional.empty()));
        }
        Tensor classifier = c.tiedClassifier() ? embedding : matrix(random, std, type, c.vocabSize(), c.dim());
        return new LlamaWeights(c, embedding, layers, Tensor.zeros(c.dim()).fill(1f), classifier);
    }

    private static Tensor matrix(SplittableRandom random, float std, ElementType type, int rows, int cols) {
        if (type == ElementType.F32) return Tensor.randn(random, std, rows, cols);
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " stores rows of whole " + type.blockSize() + "-element blocks; a (" + rows + ", " + cols
                    + ") matrix has rows of " + cols);
        }
        MemorySegment bytes = Arena.ofAuto().allocate(type.bytes((long) rows * cols), 64);
        // Uniform with the same standard deviation (bound √3·std): a step's time does not depend on the values, and
        // an 8B model's 7.5G normal samples would take minutes to draw.
        float bound = (float) (Math.sqrt(3) * std);
        for (int r = 0; r < rows; r++) {
            Tensor values = Tensor.uniform(random, bound, cols);
            Quantize.encode(type, values.data(), 0, cols, bytes, (long) r * cols);
        }
        return Tensor.compact(type, bytes, rows, cols);
    }
}
