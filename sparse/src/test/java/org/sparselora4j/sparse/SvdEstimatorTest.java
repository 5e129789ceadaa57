package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SvdEstimatorTest {
    @TempDir
    Path dir;

    @Test
    void factorsAreTheBestRankRApproximationOfWTransposed() {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        int rank = 4;
        SvdEstimator est = SvdEstimator.build(w, rank);
        Tensor x = Tensor.randn(new SplittableRandom(2), 1f, 10, 32);
        for (Target t : SvdEstimator.TARGETS) {
            Tensor weight = t.weight(w.layers().get(1));
            SvdEstimator.Factors f = est.layer(1).get(t);
            assertThat(f.a().shape().dims()).containsExactly(weight.cols(), rank);
            assertThat(f.b().shape().dims()).containsExactly(rank, weight.rows());
            // A·B against the exact truncated SVD of Wᵀ: its error is the Eckart–Young optimum.
            Tensor ab = MatMul.ab(f.a(), f.b());                                      // (in, out)
            Svd exact = Svd.exact(weight);
            double optimal = 0;
            for (int j = rank; j < exact.rank(); j++) optimal += exact.s()[j] * exact.s()[j];
            double error = SvdTest.frobeniusDistance(ab, transpose(weight));
            assertThat(error).as(t.hfName()).isCloseTo(Math.sqrt(optimal), within(1e-3 * Math.sqrt(optimal) + 1e-5));
            // Split symmetrically: A's and B's columns / rows carry √σ each.
            assertThat(Math.sqrt(MatMul.aTb(f.a(), f.a()).get(0, 0))).isCloseTo(Math.sqrt(exact.s()[0]), within(1e-3 * exact.s()[0]));
            assertThat(f.project(x).shape().dims()).containsExactly(10, weight.rows());
        }
    }

    @Test
    void fullRankFactorsReproduceTheProjection() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 3);
        SvdEstimator est = SvdEstimator.build(w, c.kvDim(), List.of(0));
        Tensor x = Tensor.randn(new SplittableRandom(4), 1f, 6, c.dim());
        for (Target t : SvdEstimator.TARGETS) {
            Tensor dense = MatMul.abT(x, t.weight(w.layers().get(0)));
            assertThat(SvdTest.frobeniusDistance(est.layer(0).get(t).project(x), dense)).as(t.hfName()).isLessThan(1e-4 * norm(dense));
        }
    }

    @Test
    void aRankLargerThanTheWeightsAllowIsAClearError() {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        // kv projections are (8, 32): rank at most 8.
        assertThatThrownBy(() -> SvdEstimator.build(w, 9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("estimator rank 9")
                .hasMessageContaining("larger than the weights allow")
                .hasMessageContaining("k_proj is 8 x 32, so the rank can be at most 8");
        assertThatThrownBy(() -> SvdEstimator.build(w, 0)).hasMessageContaining("estimator rank must be at least 1");
        assertThatThrownBy(() -> SvdEstimator.build(w, 2, List.of(5))).hasMessageContaining("layer 5 is outside the model's 2 layers");
    }

    @Test
    void onlyTheAskedLayersHaveFactors() {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        SvdEstimator est = SvdEstimator.build(w, 2, List.of(1));
        assertThat(est.layers()).containsExactly(1);
        assertThat(est.has(0)).isFalse();
        assertThatThrownBy(() -> est.layer(0)).hasMessageContaining("no factors for layer 0").hasMessageContaining("[1]");
    }

    @Test
    void savedFileRoundTrips() throws Exception {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        SvdEstimator est = SvdEstimator.build(w, 3);
        Path file = dir.resolve("estimator.safetensors");
        est.save(file);
        SvdEstimator back = SvdEstimator.load(file, w, 3, List.of(0, 1));
        assertThat(back.fingerprint()).isEqualTo(est.fingerprint());
        assertThat(back.rank()).isEqualTo(3);
        assertThat(back.layers()).containsExactly(0, 1);
        for (int l = 0; l < 2; l++) {
            for (Target t : SvdEstimator.TARGETS) {
                assertThat(back.layer(l).get(t).a().toArray()).containsExactly(est.layer(l).get(t).a().toArray());
                assertThat(back.layer(l).get(t).b().toArray()).containsExactly(est.layer(l).get(t).b().toArray());
            }
        }
    }

    @Test
    void anotherModelsWeightsAreRejectedNamingTheFile() throws Exception {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        Path file = dir.resolve("estimator.safetensors");
        SvdEstimator.build(w, 3).save(file);
        LlamaWeights other = LlamaInit.random(SparseFixtures.smallConfig(2), 2, 0.3f);
        assertThatThrownBy(() -> SvdEstimator.load(file, other, 3, List.of(0, 1)))
                .isInstanceOf(EstimatorFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("was built from other weights")
                .satisfies(e -> assertThat(((EstimatorFileException) e).stale()).isTrue());
        // One changed weight value is enough.
        LlamaWeights tweaked = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        Tensor wk = tweaked.layers().get(1).wk();
        wk.set(wk.get(3, 5) + 1e-3f, 3, 5);
        assertThatThrownBy(() -> SvdEstimator.load(file, tweaked, 3, List.of(0, 1))).hasMessageContaining("other weights");
        assertThatThrownBy(() -> SvdEstimator.load(file, w, 2, List.of(0, 1)))
                .hasMessageContaining(file.toString()).hasMessageContaining("holds rank 3 factors for layers [0, 1], but rank 2");
        assertThatThrownBy(() -> SvdEstimator.load(file, w, 3, List.of(1))).hasMessageContaining("for layers [1] was asked");
    }

    @Test
    void aFileThatIsNoEstimatorIsAnErrorAndIsNeverOverwritten() throws Exception {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "my notes");
        assertThatThrownBy(() -> SvdEstimator.load(file, w, 2, List.of(0)))
                .isInstanceOf(EstimatorFileException.class).hasMessageContaining(file.toString()).hasMessageContaining("not an SVD estimator file");
        assertThatThrownBy(() -> SvdEstimator.cached(file, w, 2, List.of(0), m -> { }))
                .hasMessageContaining("not an SVD estimator file");
        assertThat(Files.readString(file)).isEqualTo("my notes");
        assertThatThrownBy(() -> SvdEstimator.load(dir.resolve("absent"), w, 2, List.of(0))).hasMessageContaining("no such estimator file");
    }

    @Test
    void aCacheIsBuiltOnceAndRebuiltWhenStale() throws Exception {
        LlamaWeights w = LlamaInit.random(SparseFixtures.smallConfig(2), 1, 0.3f);
        Path file = dir.resolve("run/estimator.safetensors");
        List<String> notices = new ArrayList<>();
        SvdEstimator first = SvdEstimator.cached(file, w, 2, List.of(0, 1), notices::add);
        assertThat(Files.exists(file)).isTrue();
        assertThat(notices).singleElement().asString().contains("built the rank-2 SVD estimator").contains(file.toString());
        notices.clear();
        SvdEstimator again = SvdEstimator.cached(file, w, 2, List.of(0, 1), notices::add);
        assertThat(notices).isEmpty();
        assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
        LlamaWeights other = LlamaInit.random(SparseFixtures.smallConfig(2), 2, 0.3f);
        SvdEstimator rebuilt = SvdEstimator.cached(file, other, 2, List.of(0, 1), notices::add);
        assertThat(notices).hasSize(2);
        assertThat(notices.get(0)).contains(file.toString()).contains("other weights").contains("rebuilding");
        assertThat(rebuilt.fingerprint()).isNotEqualTo(first.fingerprint());
        assertThat(SvdEstimator.load(file, other, 2, List.of(0, 1)).fingerprint()).isEqualTo(rebuilt.fingerprint());
    }

    private static Tensor transpose(Tensor w) {
        Tensor t = Tensor.zeros(w.cols(), w.rows());
        for (int i = 0; i < w.rows(); i++) for (int j = 0; j < w.cols(); j++) t.set(w.get(i, j), j, i);
        return t;
    }

    private static double norm(Tensor t) {
        return SvdTest.frobeniusDistance(t, Tensor.zeros(t.rows(), t.cols()));
    }
}
