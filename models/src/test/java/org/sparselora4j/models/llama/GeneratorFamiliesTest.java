package org.sparselora4j.models.llama;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code generate} prints for the golden families' real tokenizers: the prompt exactly as given, whether the
 * tokenizer adds a BOS (Llama 3's {@code <|begin_of_text|>}) or not (Qwen's add none), then the new text.
 */
class GeneratorFamiliesTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void thePromptIsEchoedWholeThenTheNewText(String family) throws IOException {
        Path hf = FamilyParityTest.family(family).resolve("hf");
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(hf.resolve("tokenizer.json"));
        Generator generator = new Generator(new LlamaInference(HuggingFaceModel.load(hf)), tokenizer);
        String prompt = "Hello world, once upon a time";
        StringBuilder printed = new StringBuilder();
        Generator.Generation g = generator.generate(prompt, 5, Sampler.greedy(), printed::append);
        assertThat(printed.toString()).startsWith(prompt);
        assertThat(printed.toString()).isEqualTo(generator.text(g.tokens()));
        assertThat(g.tokens()[0] == tokenizer.bos()).isEqualTo(tokenizer.bosPrefix().length == 1);
    }
}
