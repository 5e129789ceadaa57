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
     * From this sparsity on a projection runs as CSR. SparseMatMulBench (2048x768, AVX-512, 2026-11-22) against the
     * packed Vector API GEMM: CSR is slower at 50% and 70% (batch 1: 245 and 150 us vs 82; batch 8: 846 and 498 us
     * vs 413-432) and faster at 90% (batch 1: 62 vs 76 us; batch 8: 177 vs 421 us).
     */
    public static final double DEFAULT_MIN_SPARSITY = 0.9;

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
