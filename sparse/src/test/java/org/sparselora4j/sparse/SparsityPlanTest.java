package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SparsityPlanTest {
    @Test
    void thePaperConfigurationsAtTheirOwnDepthAreTable12() {
        SparsityPlan p = SparsityPlan.paper(SparsityPlan.Paper.LLAMA2_7B_MATH10K, 32, 0);
        for (int l = 0; l < 32; l++) {
            assertThat(p.ffn(l)).as("ffn %d", l).isEqualTo(l >= 13 && l <= 29 ? 0.9 : 0);
            boolean attn = l >= 17 && l <= 29 && l != 20 && l != 24;
            assertThat(p.attention(l)).as("attn %d", l).isEqualTo(attn ? 0.6 : 0);
        }
        assertThat(p.describe()).isEqualTo("ffn=13-29:0.9,attn=17-19:0.6,attn=21-23:0.6,attn=25-29:0.6");
        SparsityPlan o2 = SparsityPlan.named("paper-math10k", 32, 0);
        assertThat(o2.describe()).isEqualTo("ffn=3-30:0.99,attn=14-19:0.75,attn=21-23:0.75,attn=25-29:0.75");
    }

    @Test
    void scaledToAShallowModelKeepsTheShapeAndTheLastLayerDense() {
        SparsityPlan p = SparsityPlan.named("paper-math10k", 12, 0);
        // layer l reads paper layer floor((l + 0.5)·32/12): 1, 4, 6, 9, 12, 14, 17, 20, 22, 25, 28, (30: last, dense)
        assertThat(p.ffn()).containsExactly(0, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0);
        assertThat(p.attention()).containsExactly(0, 0, 0, 0, 0, 0.75, 0.75, 0, 0.75, 0.75, 0.75, 0);
    }

    @Test
    void uniformKeepsTheFirstAndLastLayerDense() {
        SparsityPlan p = SparsityPlan.named("uniform:0.5", 4, 0);
        assertThat(p.ffn()).containsExactly(0, 0.5, 0.5, 0);
        assertThat(p.attention()).containsExactly(0, 0.5, 0.5, 0);
    }

    @Test
    void explicitSettingsParseAndLaterOnesOverride() {
        SparsityPlan p = SparsityPlan.named("ffn=2-5:0.9, attn=4-5:0.5, ffn=3:0.25", 8, 0);
        assertThat(p.ffn()).containsExactly(0, 0, 0.9, 0.25, 0.9, 0.9, 0, 0);
        assertThat(p.attention()).containsExactly(0, 0, 0, 0, 0.5, 0.5, 0, 0);
        assertThat(SparsityPlan.parse(p.describe(), 8, 0)).isEqualTo(p);
    }

    @Test
    void warmUpStepsAreDense() {
        SparsityPlan p = SparsityPlan.uniform(4, 0.5, SparsityPlan.warmupSteps(0.05, 100));
        assertThat(p.warmupSteps()).isEqualTo(5);
        assertThat(p.sparseAt(4)).isFalse();
        assertThat(p.ffn(1, 4)).isZero();
        assertThat(p.sparseAt(5)).isTrue();
        assertThat(p.ffn(1, 5)).isEqualTo(0.5);
        assertThat(SparsityPlan.warmupSteps(0.05, 10)).isEqualTo(1);
        assertThat(SparsityPlan.warmupSteps(0, 10)).isZero();
    }

    @Test
    void badSettingsNameWhatIsWrong() {
        assertThatThrownBy(() -> SparsityPlan.parse("ffn=2-9:1.0", 12, 0)).hasMessageContaining("ffn=2-9:1.0").hasMessageContaining("outside [0, 1)");
        assertThatThrownBy(() -> SparsityPlan.parse("attn=4-12:0.5", 12, 0)).hasMessageContaining("attn=4-12:0.5").hasMessageContaining("layers 0-11");
        assertThatThrownBy(() -> SparsityPlan.parse("mlp=1:0.5", 12, 0)).hasMessageContaining("'mlp' is neither ffn nor attn");
        assertThatThrownBy(() -> SparsityPlan.parse("ffn=5-2:0.5", 12, 0)).hasMessageContaining("empty");
        assertThatThrownBy(() -> SparsityPlan.parse("ffn=x:0.5", 12, 0)).hasMessageContaining("'x' is not a layer index");
        assertThatThrownBy(() -> SparsityPlan.named("uniform:-0.1", 12, 0)).hasMessageContaining("outside [0, 1)");
        assertThatThrownBy(() -> SparsityPlan.named("paper-gsm", 12, 0)).hasMessageContaining("unknown sparsity preset 'paper-gsm'");
        assertThatThrownBy(() -> new SparsityPlan(new double[] {0.5}, new double[] {1.5}, 0)).hasMessageContaining("attn sparsity of layer 0 is 1.5");
    }
}
