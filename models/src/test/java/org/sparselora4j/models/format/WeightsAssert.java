package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

/** Element-wise comparison of two whole models. */
final class WeightsAssert {
    private WeightsAssert() {
    }

    /** The largest absolute difference over all tensors; the configs must be equal. */
    static float maxDifference(LlamaWeights a, LlamaWeights b) {
        assertThat(a.config()).isEqualTo(b.config());
        float max = 0;
        max = Math.max(max, diff("embedding", a.tokenEmbedding(), b.tokenEmbedding()));
        max = Math.max(max, diff("final norm", a.finalNorm(), b.finalNorm()));
        max = Math.max(max, diff("classifier", a.classifier(), b.classifier()));
        for (int l = 0; l < a.layers().size(); l++) {
            LayerWeights x = a.layers().get(l), y = b.layers().get(l);
            max = Math.max(max, diff("attnNorm " + l, x.attnNorm(), y.attnNorm()));
            max = Math.max(max, diff("wq " + l, x.wq(), y.wq()));
            max = Math.max(max, diff("wk " + l, x.wk(), y.wk()));
            max = Math.max(max, diff("wv " + l, x.wv(), y.wv()));
            max = Math.max(max, diff("wo " + l, x.wo(), y.wo()));
            max = Math.max(max, diff("ffnNorm " + l, x.ffnNorm(), y.ffnNorm()));
            max = Math.max(max, diff("gate " + l, x.gate(), y.gate()));
            max = Math.max(max, diff("up " + l, x.up(), y.up()));
            max = Math.max(max, diff("down " + l, x.down(), y.down()));
            assertThat(x.bias().isPresent()).isEqualTo(y.bias().isPresent());
            if (x.bias().isPresent()) {
                max = Math.max(max, diff("q bias " + l, x.bias().get().q(), y.bias().get().q()));
                max = Math.max(max, diff("k bias " + l, x.bias().get().k(), y.bias().get().k()));
                max = Math.max(max, diff("v bias " + l, x.bias().get().v(), y.bias().get().v()));
            }
            assertThat(x.qkNorm().isPresent()).isEqualTo(y.qkNorm().isPresent());
            if (x.qkNorm().isPresent()) {
                max = Math.max(max, diff("q norm " + l, x.qkNorm().get().q(), y.qkNorm().get().q()));
                max = Math.max(max, diff("k norm " + l, x.qkNorm().get().k(), y.qkNorm().get().k()));
            }
        }
        return max;
    }

    static float diff(String what, Tensor a, Tensor b) {
        assertThat(a.shape().dims()).as(what).containsExactly(b.shape().dims());
        float[] x = a.toArray(), y = b.toArray();
        float max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        return max;
    }
}
