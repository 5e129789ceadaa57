package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratorTest {
    /** Token t is the text "[t]"; BOS 1, EOS 2; encoding is not needed here. */
    static final Tokenizer NAMES = new Tokenizer() {
        public int vocabSize() {
            return 40;
        }

        public int bos() {
            return 1;
        }

        public int eos() {
            return 2;
        }

        public int[] encode(String text, boolean addBos, boolean addEos) {
            throw new UnsupportedOperationException();
        }

        public String decode(int previous, int token) {
            return token == 3 ? "\u0007" : "[" + token + "]";
        }
    };

    final LlamaInference model = new LlamaInference(LlamaInit.random(LlamaInferenceTest.tiny(Rope.Style.INTERLEAVED, true), 21, 0.3f));
    final Generator generator = new Generator(model, NAMES);

    @Test
    void greedyTokensAreTheArgmaxOfAFullRerun() {
        int[] prompt = {1, 5, 9};
        List<Integer> seen = new ArrayList<>();
        Generator.Generation g = generator.generate(prompt, 6, Sampler.greedy(), seen::add);
        int[] tokens = g.tokens();
        assertThat(g.promptLength()).isEqualTo(3);
        assertThat(tokens).startsWith(prompt);
        assertThat(seen).containsExactly(java.util.Arrays.stream(g.newTokens()).boxed().toArray(Integer[]::new));
        for (int i = prompt.length; i < tokens.length; i++) {
            var logits = model.newSession().prefill(java.util.Arrays.copyOf(tokens, i));
            assertThat(tokens[i]).isEqualTo(Sampler.greedy().sample(logits.row(i - 1).toArray()));
        }
        if (tokens.length == prompt.length + 6) assertThat(g.decodeSteps()).isEqualTo(5);
    }

    @Test
    void theContextBoundsTheNewTokens() {
        int[] prompt = new int[14];
        java.util.Arrays.fill(prompt, 7);
        prompt[0] = 1;
        Generator.Generation g = generator.generate(prompt, 100, new Sampler(1f, 1f, 3), t -> { });
        assertThat(g.tokens().length).isLessThanOrEqualTo(17); // 16 positions read, plus the last token sampled
        assertThat(generator.generate(prompt, 0, Sampler.greedy(), t -> { }).tokens()).containsExactly(prompt);
        assertThatThrownBy(() -> generator.generate(new int[17], 1, Sampler.greedy(), t -> { }))
                .hasMessageContaining("the prompt is 17 tokens, longer than the model's context of 16");
        assertThatThrownBy(() -> generator.generate(new int[0], 1, Sampler.greedy(), t -> { })).hasMessageContaining("no tokens");
    }

    @Test
    void unprintableBytesAreDroppedAsRunCDoes() {
        assertThat(generator.text(new int[] {1, 3, 4, 3, 5})).isEqualTo("[4][5]");
    }

    @Test
    void aFirstTokenThatIsNotBosIsPrintedAsFollowingBos() {
        assertThat(generator.text(new int[] {5, 9})).isEqualTo("[5][9]");
        assertThat(generator.text(new int[] {1, 5, 9})).isEqualTo("[5][9]");
    }

    @Test
    void aTokenizerForAnotherVocabularyIsRejected() {
        LlamaInference other = new LlamaInference(LlamaInit.random(
                new LlamaConfig(32, 48, 1, 4, 2, 39, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true), 1));
        assertThatThrownBy(() -> new Generator(other, NAMES)).hasMessageContaining("tokenizer has 40 tokens but the model's vocabulary is 39");
    }
}
