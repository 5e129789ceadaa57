package org.sparselora4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.lora.run.Checkpoint;
import org.sparselora4j.lora.run.FaultInjection;
import org.sparselora4j.lora.run.MetricsLog;
import org.sparselora4j.models.format.AtomicFile;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Safetensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The CLI in child processes, killed with {@code kill -9}, run under a file-size limit ({@code ulimit -f}) and run
 * twice on one folder: a resumed run reaches the losses of an uninterrupted one, no file of the run folder is
 * half-written (a killed writer's temporary file at most, which the next run removes), a full disk is a one-line
 * error that keeps the previous checkpoint or adapter, and a second run on a folder in use is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashSafetyTest {
    private Path tmp;

    /** Two processes' float sums may differ in the last bits (the JIT may order vector lanes differently). */
    static final double LOSS_TOLERANCE = 1e-4;
    static final long TIMEOUT_S = 300;
    static final int STEPS = 12;

    private Path data;
    private Path reference;
    private Map<Long, Double> referenceLosses;

    @BeforeAll
    void uninterruptedRun(@TempDir Path dir) throws Exception {
        tmp = dir;
        Path model = ChildCli.root().resolve("assets/default/model");
        assertThat(model).isDirectory();
        List<String> lines = Files.readAllLines(ChildCli.root().resolve("assets/default/task-train.jsonl"), StandardCharsets.UTF_8);
        data = tmp.resolve("data.jsonl");
        Files.write(data, lines.subList(0, 24), StandardCharsets.UTF_8);
        reference = tmp.resolve("reference");
        ChildCli run = finetune("reference", reference, List.of(), 0, false);
        assertThat(run.waitFor(TIMEOUT_S)).as(run.stderr()).isZero();
        referenceLosses = losses(reference);
        assertThat(referenceLosses).hasSize(STEPS);
    }

    @Test
    void killedWhileWritingACheckpointThenFullDiskThenResumedReachesTheSameLosses() throws Exception {
        Path run = tmp.resolve("stalled");
        ChildCli first = finetune("stalled", run, List.of("-D" + FaultInjection.PROPERTY + "=stall-checkpoint@6"), 0, false);
        assertThat(first.awaitStderr("fault: stalled writing the checkpoint of step 6", TIMEOUT_S)).as(first.stderr()).isTrue();

        // While it holds the folder, a second run is refused at once, naming the holder.
        ChildCli second = finetune("second", run, List.of(), 0, true);
        assertThat(second.waitFor(TIMEOUT_S)).isEqualTo(1);
        assertThat(lastLine(second.stderr())).contains(run.toString()).contains("in use by another run (pid " + first.pid() + ")");

        first.kill();
        assertThat(nextStep(run)).isEqualTo(3);
        assertThat(temporaryFiles(run)).as("the half-written checkpoint of step 6").hasSize(1);
        assertCompleteFiles(run);

        // Resumed on a disk that takes 400 KiB per file: the step-6 checkpoint (1.3 MB) cannot be written.
        ChildCli full = finetune("full-disk", run, List.of(), 400, true);
        assertThat(full.waitFor(TIMEOUT_S)).isEqualTo(1);
        assertOneLineError(full.stderr(), Checkpoint.FILE + ": not written (");
        assertThat(lastLine(full.stderr())).endsWith("; the previous file is kept unchanged");
        assertThat(nextStep(run)).isEqualTo(3);
        assertThat(temporaryFiles(run)).isEmpty();

        ChildCli resumed = finetune("resumed", run, List.of(), 0, true);
        assertThat(resumed.waitFor(TIMEOUT_S)).as(resumed.stderr()).isZero();
        assertThat(resumed.stderr()).contains("from step 3 of 12");
        assertSameLosses(run);
        assertThat(temporaryFiles(run)).isEmpty();
        assertCompleteFiles(run);
    }

    @Test
    void killedBeforeTheFirstCheckpointResumesFromStepZero() throws Exception {
        Path run = tmp.resolve("early");
        ChildCli first = finetune("early", run, List.of(), 0, false);
        assertThat(first.awaitStderr("step 1/12", TIMEOUT_S)).as(first.stderr()).isTrue();
        first.kill();
        assertThat(run.resolve(Checkpoint.FILE)).doesNotExist();
        assertCompleteFiles(run);

        ChildCli again = finetune("early-again", run, List.of(), 0, false);
        assertThat(again.waitFor(TIMEOUT_S)).isEqualTo(2);
        assertThat(lastLine(again.stderr())).contains("already holds a run; pass --resume");

        ChildCli resumed = finetune("early-resumed", run, List.of(), 0, true);
        assertThat(resumed.waitFor(TIMEOUT_S)).as(resumed.stderr()).isZero();
        assertThat(resumed.stderr()).contains("starting from step 0");
        assertSameLosses(run);
    }

    @Test
    void aFullDiskWhileWritingTheAdapterOrAnExportKeepsWhatWasThere() throws Exception {
        Path run = tmp.resolve("adapter-full");
        copy(reference, run);
        byte[] adapter = Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors"));
        // Resuming a finished run writes its adapter again; 200 KiB per file does not hold it (444 KB).
        ChildCli full = finetune("adapter-full", run, List.of(), 200, true);
        assertThat(full.waitFor(TIMEOUT_S)).isEqualTo(1);
        assertOneLineError(full.stderr(), "adapter/adapter_model.safetensors: not written (");
        assertThat(lastLine(full.stderr())).endsWith("; the previous adapter is kept unchanged");
        assertThat(Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors"))).isEqualTo(adapter);
        assertThat(temporaryFiles(run.resolve("adapter"))).isEmpty();
        CliRun logits = CliRun.of("logits", "--model", model().toString(), "--adapter", run.resolve("adapter").toString(), "--tokens", "1,2,3");
        assertThat(logits.exitCode()).as(logits.err()).isZero();

        Path export = tmp.resolve("export");
        ChildCli exporting = ChildCli.start(tmp.resolve("logs"), "export-full", List.of(), 200, "export", "--model", model().toString(),
                "--adapter", run.resolve("adapter").toString(), "--out", export.toString());
        assertThat(exporting.waitFor(TIMEOUT_S)).isEqualTo(1);
        assertOneLineError(exporting.stderr(), "model.safetensors: not written (");
        try (Stream<Path> files = Files.list(export)) {
            assertThat(files.filter(p -> p.getFileName().toString().contains("safetensors")).toList()).isEmpty();
        }
    }

    @Test
    @Tag("slow")
    void killedAtRandomPointsAndResumedReachesTheSameLosses() throws Exception {
        Path run = tmp.resolve("random");
        long seed = Long.getLong("crash.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        int killed = 0;
        for (int kill = 0; kill < 6; kill++) {
            ChildCli child = finetune("random-" + kill, run, List.of(), 0, kill > 0);
            // Start-up takes about two seconds of the five to ten a run takes here.
            Thread.sleep(1000 + random.nextInt(5000));
            if (child.kill()) killed++;
            assertCompleteFiles(run);
        }
        System.out.printf("crash safety: %d kill -9 at random points (-Dcrash.seed=%d)%n", killed, seed);
        ChildCli last = finetune("random-last", run, List.of(), 0, true);
        assertThat(last.waitFor(TIMEOUT_S)).as(last.stderr()).isZero();
        assertSameLosses(run);
        assertThat(temporaryFiles(run)).isEmpty();
    }

    private Path model() {
        return ChildCli.root().resolve("assets/default/model");
    }

    private ChildCli finetune(String name, Path out, List<String> jvmOptions, long fileSizeLimitKiB, boolean resume) throws IOException {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", model().toString(), "--data", data.toString(),
                "--validation-split", "0.2", "--steps", Integer.toString(STEPS), "--batch", "2", "--max-seq", "64", "--checkpoint-every", "3",
                "--eval-every", "0", "--threads", "1", "--log-every", "1", "--seed", "7", "--out", out.toString()));
        if (resume) args.add("--resume");
        return ChildCli.start(tmp.resolve("logs"), name, jvmOptions, fileSizeLimitKiB, args.toArray(String[]::new));
    }

    private void assertSameLosses(Path run) throws IOException {
        Map<Long, Double> losses = losses(run);
        assertThat(losses.keySet()).containsExactlyElementsOf(referenceLosses.keySet());
        double worst = 0;
        for (Map.Entry<Long, Double> e : referenceLosses.entrySet()) {
            assertThat(losses.get(e.getKey())).as("loss at step " + e.getKey()).isCloseTo(e.getValue(), within(LOSS_TOLERANCE));
            worst = Math.max(worst, Math.abs(losses.get(e.getKey()) - e.getValue()));
        }
        System.out.printf("crash safety: %s reached the uninterrupted losses to %.2e%n", run.getFileName(), worst);
    }

    /** Train losses by step from {@code metrics.jsonl}. */
    private static Map<Long, Double> losses(Path run) throws IOException {
        Map<Long, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve(MetricsLog.FILE), StandardCharsets.UTF_8)) {
            Map<String, Object> r = Json.parseObject(line);
            if ("train".equals(r.get("kind"))) out.put(((Number) r.get("step")).longValue(), ((Number) r.get("loss")).doubleValue());
        }
        return out;
    }

    private static long nextStep(Path run) throws IOException {
        try (Safetensors s = Safetensors.open(run.resolve(Checkpoint.FILE))) {
            return Long.parseLong(s.metadata().get("next_step"));
        }
    }

    /**
     * Every file of the run folder but a killed writer's temporary file is whole: the checkpoint opens, JSON files
     * parse, metrics lines parse (a torn last line, which resume drops, aside), the adapter loads.
     */
    private static void assertCompleteFiles(Path run) throws IOException {
        if (Files.exists(run.resolve(Checkpoint.FILE))) nextStep(run);
        if (Files.exists(run.resolve(MetricsLog.FILE))) {
            String text = Files.readString(run.resolve(MetricsLog.FILE), StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length - 1; i++) Json.parseObject(lines[i]);
        }
        if (Files.exists(run.resolve("summary.json"))) Json.parseObject(Files.readString(run.resolve("summary.json")));
        if (Files.exists(run.resolve("adapter/adapter_model.safetensors"))) {
            CliRun logits = CliRun.of("logits", "--model", ChildCli.root().resolve("assets/default/model").toString(),
                    "--adapter", run.resolve("adapter").toString(), "--tokens", "1,2,3");
            assertThat(logits.exitCode()).as(logits.err()).isZero();
        }
    }

    private static List<Path> temporaryFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(AtomicFile::isTemporary).toList();
        }
    }

    private static void assertOneLineError(String stderr, String expected) {
        String last = lastLine(stderr);
        assertThat(last).startsWith("sparselora4j ").contains(expected);
        assertThat(stderr).doesNotContain("\tat ").doesNotContain("Exception");
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
