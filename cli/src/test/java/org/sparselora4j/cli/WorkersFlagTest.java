package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code finetune --workers} where the distributed module and Spark are not on the class path (the cli's own tests). */
class WorkersFlagTest {
    @Test
    void withoutSparkOnTheClassPathWorkersIsOneLineThatSaysHowToGetIt(@TempDir Path dir) {
        CliRun r = CliRun.of("finetune", "--model", CliRun.shared("models/stories260K.bin"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--workers", "2", "--out", dir.resolve("run").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).contains("--workers").contains("scripts/fetch-spark.sh").doesNotContain("\n");
    }

    @Test
    void workersBelowOneIsAUsageError(@TempDir Path dir) {
        CliRun r = CliRun.of("finetune", "--workers", "0", "--out", dir.resolve("run").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--workers");
    }
}
