package org.sparselora4j.sparse.losa;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SparseMatMulTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    static List<int[]> shapes() {
        List<int[]> s = new ArrayList<>();
        for (int n : new int[] {1, 2, 7, L - 1, L + 1, 33}) {
            for (int in : new int[] {1, 7, L + 1, 100}) s.add(new int[] {n, in, 13});
        }
        return s;
    }

    private static Tensor sparse(SplittableRandom r, int out, int in, double sparsity) {
        Tensor w = Tensor.randn(r, 1f, out, in);
        for (int i = 0; i < w.size(); i++) if (r.nextDouble() < sparsity) w.data()[i] = 0f;
        return w;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void simdEqualsScalarAndTheDenseProduct(int[] shape) {
        SplittableRandom r = new SplittableRandom(shape[0] * 1000L + shape[1]);
        int n = shape[0], in = shape[1], out = shape[2];
        for (double sparsity : new double[] {0, 0.5, 0.9, 1}) {
            Tensor w = sparse(r, out, in, sparsity);
            Tensor x = Tensor.randn(r, 1f, n, in);
            CsrMatrix csr = CsrMatrix.of(w);
            assertThat(csr.toDense().toArray()).containsExactly(w.toArray());
            Tensor scalar = Tensor.zeros(n, out);
            SparseMatMul.abTScalar(x, csr, scalar);
            Tensor simd = SparseMatMul.abT(x, csr);
            assertThat(simd.toArray()).usingComparatorWithPrecision(1e-4f).containsExactly(scalar.toArray());
            assertThat(scalar.toArray()).usingComparatorWithPrecision(1e-4f).containsExactly(MatMul.abT(x, w).toArray());
        }
    }

    @Test
    void viewsWithOffsetsWork() {
        SplittableRandom r = new SplittableRandom(2);
        Tensor w = sparse(r, 9, 20, 0.6);
        Tensor big = Tensor.randn(r, 1f, 12, 20);
        for (Tensor x : new Tensor[] {big.rows(3, 4), big.rows(2, 12)}) {
            assertThat(SparseMatMul.abT(x, CsrMatrix.of(w)).toArray()).usingComparatorWithPrecision(1e-4f).containsExactly(MatMul.abT(x, w).toArray());
        }
    }

    @Test
    void badArraysAndShapesAreRejected() {
        assertThatThrownBy(() -> new CsrMatrix(1, 3, new int[] {0, 2}, new int[] {2, 1}, new float[] {1, 2})).hasMessageContaining("increasing");
        assertThatThrownBy(() -> SparseMatMul.abT(Tensor.zeros(2, 4), CsrMatrix.of(Tensor.zeros(3, 5)))).hasMessageContaining("does not fit");
    }

    @Test
    void sparseInferenceMatchesDenseOnAPrunedModel() {
        LlamaWeights dense = LosaFixtures.tiny(2, 8);
        Calibration c = Calibration.of(LosaFixtures.randomSequences(4, 10, 32, 4), 4);
        LlamaWeights pruned = Losa.wanda(dense, c, 0.7, PrunePattern.unstructured());
        assertThat(SparseInference.sparseProjections(pruned, 0.5)).isEqualTo(14);
        assertThat(SparseInference.sparseProjections(dense, 0.5)).isZero();
        int[] tokens = {1, 5, 9, 3, 30, 2, 2, 7};
        Tensor expected = new LlamaInference(pruned).newSession().prefill(tokens);
        Tensor actual = SparseInference.of(pruned, 0.5).newSession().prefill(tokens);
        assertThat(actual.toArray()).usingComparatorWithPrecision(1e-4f).containsExactly(expected.toArray());
        // Decoding one token at a time takes the gather path.
        var session = SparseInference.of(pruned, 0.5).newSession();
        float[] last = null;
        for (int t : tokens) last = session.next(t);
        assertThat(last).usingComparatorWithPrecision(1e-4f).containsExactly(expected.row(tokens.length - 1).toArray());
    }
}
