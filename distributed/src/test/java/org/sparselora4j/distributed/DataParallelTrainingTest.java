package org.sparselora4j.distributed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code finetune --workers 2 --batch 4} in a local Spark cluster (two executor processes) against one process with
 * {@code --batch 8}: the same global batches, so the same losses step by step.
 */
class DataParallelTrainingTest {
    private static List<String> common(Path data, String method) {
        List<String> a = new ArrayList<>(List.of("--model", LocalCluster.shared("models/stories260K.bin"), "--tokenizer", LocalCluster.shared("models/tok512.bin"),
                "--data", data.toString(), "--validation-split", "0", "--steps", "4", "--checkpoint-every", "2", "--seed", "7", "--method", method));
        if (method.equals("sparselora")) a.addAll(List.of("--sparsity", "ffn=1-3:0.5,attn=2-3:0.5", "--dense-warmup", "0.25"));
        return a;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoWorkersOfFourReachTheLossesOfOneProcessOfEight(@TempDir Path dir) throws Exception {
        LocalCluster.sparkHome();
        System.setProperty(SparkTraining.RENDEZVOUS_TIMEOUT, "60");
        Path data = LocalCluster.data(dir);
        for (String method : List.of("lora")) {
            Path single = dir.resolve(method + "-single");
            List<String> one = new ArrayList<>(common(data, method));
            one.addAll(List.of("--batch", "8", "--threads", "1", "--out", single.toString()));
            LocalCluster.Run a = LocalCluster.finetune(one);
            assertThat(a.exitCode()).as(a.err()).isZero();

            Path parallel = dir.resolve(method + "-workers");
            List<String> two = new ArrayList<>(common(data, method));
            two.addAll(List.of("--batch", "4", "--workers", "2", "--out", parallel.toString()));
            LocalCluster.Run b = LocalCluster.finetune(two);
            assertThat(b.exitCode()).as(b.err()).isZero();
            assertThat(b.err()).contains("workers 2").contains("all-reduce");

            List<Double> expected = LocalCluster.losses(single);
            List<Double> got = LocalCluster.losses(parallel);
            assertThat(got).hasSize(4).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) assertThat(got.get(i)).as(method + " step " + (i + 1)).isCloseTo(expected.get(i), within(1e-4 * expected.get(i)));
            Map<String, Object> summary = b.summary();
            assertThat(summary.get("workers")).isEqualTo(2L);
            assertThat(((Number) summary.get("allreduce_bytes_sent")).longValue()).isPositive();
            assertThat(parallel.resolve("adapter").resolve("adapter_config.json")).exists();
            System.out.println(method + ": one process " + expected + ", two workers " + got + "; " + summary);
        }
    }
}
