package org.sparselora4j.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CLI in a child JVM (this test JVM's java and class path), so a test can kill it with {@code kill -9}, run it
 * under a file-size limit, or run two at once. Its stdout and stderr go to files beside the run.
 */
final class ChildCli {
    private final Process process;
    private final Path stderr;
    private final Path stdout;

    private ChildCli(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code sparselora4j ARGS}; {@code jvmOptions} go before the main class (e.g. {@code -Dsparselora4j.inject=...}),
     * and a {@code fileSizeLimitKiB} above 0 runs it under {@code ulimit -f}.
     */
    static ChildCli start(Path logs, String name, List<String> jvmOptions, long fileSizeLimitKiB, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (fileSizeLimitKiB > 0) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "skipped: a file-size limit needs bash's ulimit");
        }
        if (fileSizeLimitKiB > 0) command.addAll(List.of("bash", "-c", "ulimit -f " + fileSizeLimitKiB + " && exec \"$@\"", "bash"));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData",
                "-Xmx1g", "-Xshare:auto", "-cp", System.getProperty("java.class.path")));
        command.addAll(jvmOptions);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        Files.createDirectories(logs);
        Path out = logs.resolve(name + ".out"), err = logs.resolve(name + ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ChildCli(p, out, err);
    }

    /** The root of the checkout (tests run in the module's folder). */
    static Path root() {
        return Path.of("").toAbsolutePath().getParent();
    }

    /** Waits for the exit code; fails the test when it takes longer than {@code seconds}. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child CLI ran past " + seconds + " s; its stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** Waits until stderr holds {@code text} (true), or the process ends first or the time runs out (false). */
    boolean awaitStderr(String text, long seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (stderr().contains(text)) return true;
            if (!process.isAlive()) return stderr().contains(text);
            Thread.sleep(5);
        }
        return false;
    }

    /** {@code kill -9}: the JVM gets no chance to clean up. Returns whether it was still running. */
    boolean kill() throws InterruptedException {
        boolean alive = process.isAlive();
        process.destroyForcibly();
        process.waitFor();
        return alive;
    }

    long pid() {
        return process.pid();
    }

    String stderr() {
        return read(stderr);
    }

    String stdout() {
        return read(stdout);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
