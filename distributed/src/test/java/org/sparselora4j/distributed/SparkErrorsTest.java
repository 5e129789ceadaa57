package org.sparselora4j.distributed;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad {@code --workers} and masters: one line on stderr, a non-zero exit, no hung job. */
class SparkErrorsTest {
    @BeforeAll
    static void shortTimeouts() throws IOException {
        LocalCluster.sparkHome();
        System.setProperty(SparkTraining.RENDEZVOUS_TIMEOUT, "5");
    }

    @AfterAll
    static void restore() {
        System.clearProperty(SparkTraining.RENDEZVOUS_TIMEOUT);
    }

    private static List<String> args(Path dir, String... more) throws IOException {
        List<String> a = new java.util.ArrayList<>(List.of("--model", LocalCluster.shared("models/stories260K.bin"), "--tokenizer",
                LocalCluster.shared("models/tok512.bin"), "--data", LocalCluster.data(dir).toString(), "--validation-split", "0", "--steps", "2",
                "--out", dir.resolve("run").toString()));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void workersBelowOneIsAUsageError(@TempDir Path dir) throws IOException {
        LocalCluster.Run r = LocalCluster.finetune(args(dir, "--workers", "0"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).contains("--workers").doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void moreWorkersThanTheClusterCanRunAtOnceFailsWithOneLine(@TempDir Path dir) throws IOException {
        LocalCluster.Run r = LocalCluster.finetune(args(dir, "--workers", "3", "--spark-master", "local[2]"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("--workers 3").contains("cannot run 3 tasks at once");
        assertThat(r.err().lines().filter(l -> l.startsWith("sparselora4j finetune:")).count()).isEqualTo(1);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anUnreachableMasterFailsWithOneLine(@TempDir Path dir) throws IOException {
        LocalCluster.Run r = LocalCluster.finetune(args(dir, "--workers", "2", "--spark-master", "spark://127.0.0.1:9"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("spark://127.0.0.1:9").contains("is the master reachable");
    }
}
