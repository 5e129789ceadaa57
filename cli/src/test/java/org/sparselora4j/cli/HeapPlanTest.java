package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's heap options: sized from the run's estimate, huge pages only where the kernel gives them. */
class HeapPlanTest {
    @TempDir
    Path dir;

    @Test
    void hugePagesWhereTheKernelGivesThemOnRequestOrAlways() throws Exception {
        assertThat(HeapPlan.transparentHugePages(write("always [madvise] never\n"))).isTrue();
        assertThat(HeapPlan.transparentHugePages(write("[always] madvise never\n"))).isTrue();
        assertThat(HeapPlan.transparentHugePages(write("always madvise [never]\n"))).isFalse();
        assertThat(HeapPlan.transparentHugePages(dir.resolve("missing"))).isFalse();
    }

    @Test
    void aBenchStepGetsAPreTouchedHeapOfFixedSize() {
        String plan = plan("bench", "step", "--preset", "stories15m", "--batch", "4", "--seq", "256", "--method", "lora");
        assertThat(plan).matches("-Xms(\\d+)m -Xmx\\1m -XX:MaxDirectMemorySize=\\d+m -XX:\\+AlwaysPreTouch.*\\R");
        long mb = Long.parseLong(plan.substring(4, plan.indexOf('m', 4)));
        assertThat(mb).isGreaterThanOrEqualTo(1024);
    }

    @Test
    void leanKeepsCompactWeightsCompact() {
        String[] run = {"bench", "step", "--preset", "llama3.2-1b", "--batch", "1", "--seq", "512", "--output-tokens", "128", "--weights", "bf16"};
        String roomy = plan(run), lean = plan(java.util.stream.Stream.concat(java.util.Arrays.stream(run), java.util.stream.Stream.of("--lean")).toArray(String[]::new));
        long roomyMb = Long.parseLong(roomy.substring(4, roomy.indexOf('m', 4))), leanMb = Long.parseLong(lean.substring(4, lean.indexOf('m', 4)));
        // The BF16 weights stay off the heap; the heap holds activations and the collector's room, no float32 copies.
        assertThat(leanMb).isLessThanOrEqualTo(roomyMb).isLessThan(8L << 10);
    }

    @Test
    void otherCommandsAndBadFlagsGetNoPlan() {
        assertThat(plan("generate", "--prompt", "x")).isEmpty();
        assertThat(plan("bench", "step", "--batch", "zero")).isEmpty();
    }

    private Path write(String setting) throws Exception {
        Path p = Files.createTempFile(dir, "thp", ".txt");
        Files.writeString(p, setting);
        return p;
    }

    private static String plan(String... argv) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HeapPlan.print(List.of(argv), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
