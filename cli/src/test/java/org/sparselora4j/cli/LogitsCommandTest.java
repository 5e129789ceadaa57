package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LogitsCommandTest {
    static String ids(List<?> tokens) {
        return tokens.stream().map(t -> String.valueOf(((Number) t).intValue())).collect(Collectors.joining(","));
    }

    static void assertRowClose(List<?> actual, List<?> expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(((Number) actual.get(i)).doubleValue()).as("%s logit %d", what, i)
                    .isCloseTo(((Number) expected.get(i)).doubleValue(), within(1e-4));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K.bin", "models/stories260K-hf", "models/stories260K.gguf"})
    void allPositionsMatchTheGoldenLogits(String model) throws Exception {
        Map<String, Object> golden = Json.parseObject(Files.readString(Path.of(CliRun.shared("golden/stories260K-greedy64-logits.json"))));
        List<?> tokens = (List<?>) golden.get("tokens");
        CliRun run = CliRun.of("logits", "--model", CliRun.shared(model), "--tokens", ids(tokens), "--all");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).endsWith("\n").doesNotContain("\n{");
        Map<String, Object> result = Json.parseObject(run.out());
        assertThat(((List<?>) result.get("tokens")).stream().map(t -> ((Number) t).intValue()).toList())
                .isEqualTo(tokens.stream().map(t -> ((Number) t).intValue()).toList());
        assertThat(((Number) result.get("loss")).doubleValue()).isCloseTo(((Number) golden.get("loss")).doubleValue(), within(1e-5));
        List<?> rows = (List<?>) result.get("logits"), expected = (List<?>) golden.get("logits");
        assertThat(rows).hasSize(64);
        for (int r = 0; r < rows.size(); r++) assertRowClose((List<?>) rows.get(r), (List<?>) expected.get(r), "position " + r);
    }

    @Test
    void q8GgufMatchesItsLastPositionReference() throws Exception {
        Map<String, Object> golden = Json.parseObject(Files.readString(Path.of(CliRun.shared("golden/stories260K-q8_0-greedy64-last.json"))));
        CliRun run = CliRun.of("logits", "--model", CliRun.shared("models/stories260K-q8_0.gguf"), "--tokens", ids((List<?>) golden.get("tokens")));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> result = Json.parseObject(run.out());
        assertThat(((Number) result.get("loss")).doubleValue()).isCloseTo(((Number) golden.get("loss")).doubleValue(), within(1e-5));
        assertRowClose((List<?>) result.get("logits"), (List<?>) golden.get("logits"), "last position");
    }

    @Test
    void withoutAllOnlyTheLastPosition() throws Exception {
        Map<String, Object> golden = Json.parseObject(Files.readString(Path.of(CliRun.shared("golden/stories260K-greedy64-logits.json"))));
        List<?> tokens = ((List<?>) golden.get("tokens")).subList(0, 10);
        CliRun run = CliRun.of("logits", "--model", CliRun.shared("models/stories260K.bin"), "--tokens", ids(tokens),
                "--tokenizer", CliRun.shared("models/tok512.bin"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, Object> result = Json.parseObject(run.out());
        assertRowClose((List<?>) result.get("logits"), (List<?>) ((List<?>) golden.get("logits")).get(9), "position 9");
        assertThat(result.get("loss")).isInstanceOf(Number.class);
    }

    @Test
    void oneTokenHasNoLoss() {
        CliRun run = CliRun.of("logits", "--model", CliRun.shared("models/stories260K.bin"), "--tokens", "1");
        assertThat(run.exitCode()).isZero();
        assertThat(Json.parseObject(run.out()).get("loss")).isNull();
    }

    @Test
    void badTokensAreNamed() {
        String model = CliRun.shared("models/stories260K.bin");
        CliRun outside = CliRun.of("logits", "--model", model, "--tokens", "1,2,512");
        assertThat(outside.exitCode()).isEqualTo(1);
        assertThat(outside.out()).isEmpty();
        assertThat(outside.err().strip()).doesNotContain("\n").contains("--tokens").contains("id 512 at index 2").contains("[0, 512)");
        assertThat(CliRun.of("logits", "--model", model, "--tokens", "-3").exitCode()).isEqualTo(1);
        CliRun tooLong = CliRun.of("logits", "--model", model, "--tokens", "1,2".repeat(1).concat(",5".repeat(511)));
        assertThat(tooLong.exitCode()).isEqualTo(1);
        assertThat(tooLong.err()).contains("513 tokens are longer than the context of 512");
        CliRun malformed = CliRun.of("logits", "--model", model, "--tokens", "1,,2");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("--tokens");
    }

    @Test
    void aMissingOrBadModelIsNamed() {
        CliRun missing = CliRun.of("logits", "--model", "no/such.bin", "--tokens", "1");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("sparselora4j logits: --model no/such.bin: no such file or folder");
        CliRun bad = CliRun.of("logits", "--model", CliRun.shared("models/tok512.bin"), "--tokens", "1");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err().strip()).doesNotContain("\n").contains("tok512.bin");
    }
}
