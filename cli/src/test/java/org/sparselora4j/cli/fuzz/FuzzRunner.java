package org.sparselora4j.cli.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs mutated inputs through parsers. Each case is a pure function of (seed, target, case index), so a failure is
 * replayed from the line it prints. A case passes when the parser returns, or throws its documented exception with
 * a one-line message naming the file; it fails on any other exception or error (an {@code OutOfMemoryError} too),
 * when it runs past the time limit, or when its thread allocates more than the input could justify.
 */
final class FuzzRunner {
    /** A case that broke the rules, with how to replay it. */
    record Failure(String target, int index, long seed, String mutation, String problem) {
        @Override
        public String toString() {
            return target + " case " + index + " (replay: -Dfuzz.seed=" + seed + " -Dfuzz.target='" + target + "' -Dfuzz.case=" + index
                    + "): " + problem + " [mutation: " + mutation + "]";
        }
    }

    /** What a run did. */
    record Report(long seed, int cases, int accepted, int rejected, List<Failure> failures) {
    }

    /**
     * Allowed allocation of one case: a fixed allowance, a few times what the valid seed took, and a multiple of the
     * input's size (a float32 copy of quantized data is under 4x; a parsed JSON tree some tens of times its text;
     * tokenizing it, as a data file whose first line is no object is read as plain text, about 150 times). The fixed
     * part is 128 MiB: a chat record repeated into dozens of turns is rendered once per assistant turn to find the
     * spans, which allocated 50 MB for a 6 KB file (seed 8322573505824, "jsonl messages" case 1673); a size that
     * lies still asks for gigabytes.
     */
    static final long FIXED_ALLOWANCE = 128L << 20;
    static final long BYTES_PER_INPUT_BYTE = 256;
    static final long SEED_MULTIPLE = 4;

    private final long seed;
    private final long timeLimitMillis;
    private final Path work;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    FuzzRunner(long seed, long timeLimitMillis, Path work) {
        this.seed = seed;
        this.timeLimitMillis = timeLimitMillis;
        this.work = work;
    }

    /** The seed of case {@code index} of {@code target}: a mix of the run's seed, the target's name and the index. */
    static long caseSeed(long seed, String target, int index) {
        long h = seed ^ 0x9E3779B97F4A7C15L * (target.hashCode() + 1L);
        return new SplittableRandom(h).split().nextLong() ^ (index * 0xBF58476D1CE4E5B9L);
    }

    /** Runs cases {@code from} to {@code to} (exclusive) of every target. */
    Report run(List<FuzzTarget> targets, int from, int to) throws IOException {
        int accepted = 0, rejected = 0, cases = 0;
        List<Failure> failures = new ArrayList<>();
        for (FuzzTarget t : targets) {
            Path dir = work.resolve(t.name().replaceAll("[^A-Za-z0-9.-]", "_"));
            Files.createDirectories(dir);
            t.seed().write(dir);
            Path file = dir.resolve(t.mutated());
            byte[] valid = Files.readAllBytes(file);
            ExecutorService executor = newExecutor();
            try {
                Outcome baseline = runCase(executor, t, dir);
                if (baseline.error != null) {
                    throw new AssertionError("the seed of " + t.name() + " does not parse: " + baseline.error, baseline.error);
                }
                long budget = SEED_MULTIPLE * baseline.allocated + FIXED_ALLOWANCE;
                for (int i = from; i < to; i++) {
                    long caseSeed = caseSeed(seed, t.name(), i);
                    SplittableRandom r = new SplittableRandom(caseSeed);
                    StringBuilder log = new StringBuilder();
                    byte[] input = valid;
                    int stacked = 1 + (r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0);
                    for (int k = 0; k < stacked; k++) input = t.mutations().get(r.nextInt(t.mutations().size())).apply(input, r, log);
                    Files.write(file, input);
                    long inputBytes = folderBytes(dir);
                    Outcome o = runCase(executor, t, dir);
                    cases++;
                    String problem = judge(t, dir, o, budget + BYTES_PER_INPUT_BYTE * inputBytes);
                    if (o.timedOut) {
                        executor.shutdownNow();
                        executor = newExecutor();
                    }
                    if (problem != null) failures.add(new Failure(t.name(), i, seed, log.toString(), problem));
                    else if (o.error == null) accepted++;
                    else rejected++;
                }
            } finally {
                executor.shutdownNow();
                Files.write(file, valid);
            }
        }
        return new Report(seed, cases, accepted, rejected, failures);
    }

    /** Null when the outcome keeps the rules, else what is wrong. */
    private String judge(FuzzTarget t, Path dir, Outcome o, long allowed) {
        if (o.timedOut) return "ran past the time limit of " + timeLimitMillis + " ms";
        if (o.allocated > allowed) return "allocated " + o.allocated + " bytes, over the " + allowed + " the input justifies";
        Throwable e = o.error;
        if (e == null) return null;
        if (t.documented().stream().noneMatch(c -> c.isInstance(e))) return "threw " + describe(e);
        String m = e.getMessage();
        if (m == null || m.isBlank()) return "threw " + e.getClass().getSimpleName() + " without a message";
        if (m.contains("\n")) return "message is not one line: " + describe(e);
        if (!m.contains(dir.toString())) return "message does not name the file: " + describe(e);
        return null;
    }

    private static String describe(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        String where = trace.length > 0 ? " at " + trace[0] : "";
        return e.getClass().getName() + ": " + e.getMessage() + where;
    }

    private static final class Outcome {
        Throwable error;
        long allocated;
        boolean timedOut;
    }

    private Outcome runCase(ExecutorService executor, FuzzTarget t, Path dir) {
        Outcome o = new Outcome();
        Future<?> f = executor.submit(() -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            Object parsed;
            try {
                parsed = t.call().parse(dir);
            } catch (Throwable e) {
                o.error = e;
                return;
            } finally {
                o.allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            try {
                t.use().use(parsed);
            } catch (Throwable e) {
                o.error = e;
            }
        });
        try {
            f.get(timeLimitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            o.timedOut = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            o.error = e.getCause();
        }
        return o;
    }

    private static ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "fuzz-case");
            th.setDaemon(true);
            return th;
        });
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
