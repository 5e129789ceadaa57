package org.sparselora4j.sparse.losa;

import org.sparselora4j.models.llama.BlockProjections;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Projection;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Inference on a pruned model through {@link LlamaInference}'s projection hook: every block projection whose
 * weight has at least {@code minSparsity} zeros runs as a CSR matmul ({@link SparseMatMul}), the others dense.
 */
public final class SparseInference {
    /**
     * From this sparsity on a projection runs as CSR. SparseMatMulBench (2048x768, one thread, AVX-512) measured CSR
     * 3.4x faster than the engine's dense matmul at 50% for batch 1 and 6.8x for batch 8, but a SIMD dense dot
     * product beats CSR below about 85% for batch 1 and 50% for batch 8: raise this when the dense path gets SIMD.
     */
    public static final double DEFAULT_MIN_SPARSITY = 0.5;

    private SparseInference() {
    }

    /** y = x·Wᵀ with W held as CSR. */
    public record SparseProjection(CsrMatrix weight) implements Projection {
        public static SparseProjection of(Tensor weight) {
            return new SparseProjection(CsrMatrix.of(weight));
        }

        @Override
        public int inFeatures() {
            return weight.cols();
        }

        @Override
        public int outFeatures() {
            return weight.rows();
        }

        @Override
        public Tensor forward(Tensor x) {
            return SparseMatMul.abT(x, weight);
        }
    }

    /** The model with CSR projections where a weight is at least {@code minSparsity} zeros. */
    public static LlamaInference of(LlamaWeights weights, double minSparsity) {
        return of(weights, minSparsity, org.sparselora4j.tensor.Backend.cpu());
    }

    /** As {@link #of(LlamaWeights, double)}, with the dense projections and the classifier on {@code backend}. */
    public static LlamaInference of(LlamaWeights weights, double minSparsity, org.sparselora4j.tensor.Backend backend) {
        List<BlockProjections> blocks = new ArrayList<>();
        for (LayerWeights w : weights.layers()) {
            blocks.add(new BlockProjections(projection(w, Target.Q, minSparsity, backend), projection(w, Target.K, minSparsity, backend),
                    projection(w, Target.V, minSparsity, backend), projection(w, Target.O, minSparsity, backend),
                    projection(w, Target.GATE, minSparsity, backend), projection(w, Target.UP, minSparsity, backend),
                    projection(w, Target.DOWN, minSparsity, backend)));
        }
        return new LlamaInference(weights, blocks, Projection.dense(weights.classifier(), backend));
    }

    /** How many of the model's block projections {@link #of} would run sparse. */
    public static int sparseProjections(LlamaWeights weights, double minSparsity) {
        int n = 0;
        for (LayerWeights w : weights.layers()) for (Target t : Target.values()) if (Sparsity.of(t.weight(w)) >= minSparsity) n++;
        return n;
    }

    private static Projection projection(LayerWeights w, Target t, double minSparsity, org.sparselora4j.tensor.Backend backend) {
        Tensor weight = t.weight(w);
        return Sparsity.of(weight) >= minSparsity ? SparseProjection.of(weight) : Projection.dense(weight, backend);
    }
}
