package org.sparselora4j.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code --backend tornado} on the commands that take it, in a JVM started with TornadoVM's flags (the build gives
 * this class its own, see cli/pom.xml); skipped with a printed reason where TornadoVM or PoCL is absent.
 */
class TornadoCommandsTest {
    /** The first 16 positions (causal: their logits are the golden file's first rows); all 64 in the slow test. */
    @Test
    void logitsOfStories260kMatchTheGoldenLogitsOnAPrefix() throws Exception {
        assertLogitsMatchGolden(16, false);
    }

    @Test
    @Tag("slow")
    void logitsOfStories260kMatchTheGoldenLogits() throws Exception {
        assertLogitsMatchGolden(64, true);
    }

    private static void assertLogitsMatchGolden(int positions, boolean checkLoss) throws Exception {
        TornadoOrSkip.tornado();
        Map<String, Object> golden = Json.parseObject(Files.readString(Path.of(CliRun.shared("golden/stories260K-greedy64-logits.json"))));
        List<?> tokens = ((List<?>) golden.get("tokens")).subList(0, positions);
        StringBuilder ids = new StringBuilder();
        for (Object t : tokens) ids.append(ids.isEmpty() ? "" : ",").append(((Number) t).intValue());
        CliRun run = CliRun.of("logits", "--model", CliRun.shared("models/stories260K.bin"), "--tokens", ids.toString(), "--all", "--backend", "tornado");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("backend tornado:");
        Map<String, Object> result = Json.parseObject(run.out());
        if (checkLoss) assertThat(((Number) result.get("loss")).doubleValue()).isCloseTo(((Number) golden.get("loss")).doubleValue(), within(1e-4));
        List<?> rows = (List<?>) result.get("logits"), expected = ((List<?>) golden.get("logits")).subList(0, positions);
        assertThat(rows).hasSize(expected.size());
        for (int r = 0; r < rows.size(); r++) {
            List<?> row = (List<?>) rows.get(r), want = (List<?>) expected.get(r);
            for (int v = 0; v < want.size(); v++) {
                assertThat(((Number) row.get(v)).doubleValue()).as("position %d, logit %d", r, v)
                        .isCloseTo(((Number) want.get(v)).doubleValue(), within(1e-4));
            }
        }
    }

    @Test
    void benchGemmRunsOnTornado() {
        TornadoOrSkip.tornado();
        CliRun gemm = CliRun.of("bench", "gemm", "--m", "33", "--k", "20", "--n", "17", "--reps", "3", "--warmup-s", "0", "--backend", "tornado");
        assertThat(gemm.exitCode()).as(gemm.err()).isZero();
        assertThat((String) Json.parseObject(gemm.out().strip()).get("backend")).startsWith("tornado:");
    }

    /** Slow: every weight of the model compiles its task graph (0.1-0.6 s each on PoCL here). */
    @Test
    @Tag("slow")
    void benchStepRunsOnTornado() {
        TornadoOrSkip.tornado();
        CliRun step = CliRun.of("bench", "step", "--preset", "stories260k", "--seq", "16", "--batch", "1", "--method", "lora", "--steps", "1",
                "--warmup", "0", "--threads", "1", "--backend", "tornado");
        assertThat(step.exitCode()).as(step.err()).isZero();
        assertThat((String) Json.parseObject(step.out().strip()).get("backend")).startsWith("tornado:");
    }
}
