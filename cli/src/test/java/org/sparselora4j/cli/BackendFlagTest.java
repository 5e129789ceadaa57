package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.opencl.BackendKind;
import org.sparselora4j.opencl.DeviceSelector;
import org.sparselora4j.opencl.OpenClUnavailableException;
import org.sparselora4j.tensor.Backend;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --backend cpu|opencl|tornado|auto}: parsing, the auto notice, and the commands that take it. */
class BackendFlagTest {
    /** A device index no machine has: OpenCL is unusable whether or not a platform exists. */
    private static final Map<String, String> NO_DEVICE = Map.of(DeviceSelector.ENV, "99");

    @Test
    void aBadBackendIsAUsageErrorThatNamesIt() {
        CliRun r = CliRun.of("bench", "gemm", "--m", "8", "--k", "8", "--n", "8", "--backend", "cuda");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--backend").contains("cuda").contains("cpu, opencl, tornado or auto");
    }

    @Test
    void everyCommandThatRunsProductsTakesTheFlag() {
        for (Command c : List.of(new FinetuneCommand(), new GenerateCommand(), new LogitsCommand(), new BenchGemmCommand(), new BenchStepCommand())) {
            assertThat(c.flags()).as(c.name()).contains(BackendFlag.FLAG);
        }
    }

    @Test
    void cpuIsTheDefaultAndSaysNothing() {
        Output err = new Output();
        try (Backend b = BackendFlag.open(BackendKind.CPU, err.stream, NO_DEVICE)) {
            assertThat(b).isSameAs(Backend.cpu());
        }
        assertThat(err.text()).isEmpty();
    }

    @Test
    void trainingOnTheCpuPacksItsFrozenWeights() {
        for (BackendKind kind : new BackendKind[] {BackendKind.CPU, BackendKind.AUTO}) {
            try (Backend b = BackendFlag.forTraining(BackendFlag.open(kind, new Output().stream, NO_DEVICE))) {
                assertThat(b).as(kind.name()).isNotSameAs(Backend.cpu());
                assertThat(b.name()).isEqualTo("cpu");
            }
        }
    }

    @Test
    void autoWithoutAUsableDeviceSaysOnceThatItRunsOnTheVectorApi() {
        Output err = new Output();
        try (Backend b = BackendFlag.open(BackendKind.AUTO, err.stream, NO_DEVICE)) {
            assertThat(b).isSameAs(Backend.cpu());
        }
        assertThat(err.text().lines().toList()).hasSize(1).first().asString().contains("Vector API");
    }

    @Test
    void autoOnThisMachineEitherOpensADeviceOrSaysWhyNotOnce() {
        Output err = new Output();
        try (Backend b = BackendFlag.open(BackendKind.AUTO, err.stream, Map.of())) {
            List<String> lines = err.text().lines().toList();
            assertThat(lines).hasSize(1);
            if (b == Backend.cpu()) assertThat(lines.getFirst()).contains("Vector API");
            else assertThat(lines.getFirst()).contains("backend opencl:");
        }
    }

    @Test
    void anExplicitOpenClWithoutADeviceFailsWithOneLine() {
        Output err = new Output();
        assertThatThrownBy(() -> BackendFlag.open(BackendKind.OPENCL, err.stream, NO_DEVICE))
                .isInstanceOf(OpenClUnavailableException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").isNotBlank());
    }

    @Test
    void anExplicitTornadoInAJvmWithoutTornadoVmIsOneLineThatSaysWhatIsMissing() {
        // These tests run without TornadoVM's flags (the cli's Tornado*Test have a JVM of their own).
        org.junit.jupiter.api.Assumptions.assumeTrue(TornadoLink.missing(System.getenv()) != null, "this JVM runs TornadoVM");
        CliRun r = CliRun.of("bench", "gemm", "--m", "8", "--k", "8", "--n", "8", "--reps", "1", "--warmup-s", "0", "--backend", "tornado");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).doesNotContain("\n").containsAnyOf("TORNADOVM_HOME is not set", "not started with TornadoVM's flags", "TornadoVM support was not built");
        CliRun full = CliRun.of("bench", "step", "--preset", "stories260k", "--method", "full", "--steps", "1", "--backend", "tornado");
        assertThat(full.exitCode()).isEqualTo(2);
        assertThat(full.err()).contains("--backend tornado").contains("full fine-tuning trains every weight");
    }

    @Test
    void fullFineTuningRefusesAnExplicitOpenCl() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--method", "full", "--steps", "1", "--backend", "opencl");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("full fine-tuning trains every weight");
    }

    @Test
    void logitsOnOpenClMatchTheCpu() {
        OpenClOrSkip.openCl();
        String model = CliRun.shared("models/stories260K.bin");
        CliRun cpu = CliRun.of("logits", "--model", model, "--tokens", "1,403,407,500,10", "--all");
        CliRun device = CliRun.of("logits", "--model", model, "--tokens", "1,403,407,500,10", "--all", "--backend", "opencl");
        assertThat(device.exitCode()).as(device.err()).isZero();
        assertThat(device.err()).contains("backend opencl:");
        Map<String, Object> c = Json.parseObject(cpu.out().strip()), d = Json.parseObject(device.out().strip());
        assertThat(((Number) d.get("loss")).doubleValue()).isCloseTo(((Number) c.get("loss")).doubleValue(), org.assertj.core.api.Assertions.within(1e-4));
    }

    @Test
    void benchGemmOnOpenClReportsDeviceAndEndToEndTimes() {
        OpenClOrSkip.openCl();
        CliRun r = CliRun.of("bench", "gemm", "--m", "33", "--k", "20", "--n", "17", "--reps", "3", "--warmup-s", "0", "--backend", "opencl");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> json = Json.parseObject(r.out().strip());
        assertThat((String) json.get("backend")).startsWith("opencl:");
        assertThat(json).containsKeys("ms", "gflops", "device_ms", "device_gflops");
    }

    @Test
    void benchStepRecordsItsBackend() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--seq", "16", "--batch", "1", "--method", "lora", "--steps", "1",
                "--warmup", "0", "--threads", "1", "--backend", "cpu");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Json.parseObject(r.out().strip()).get("backend")).isEqualTo("cpu");
    }

    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
