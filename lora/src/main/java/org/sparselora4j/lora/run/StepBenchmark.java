package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.StepArena;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times whole training steps of a {@link TrainingMethod} on one fixed batch: forward (loss), backward, and an
 * AdamW update of the method's parameters, as the training loop does them (PyTorch's peer script times the same
 * three). Untimed warm-up steps first, so the JIT has compiled the kernels; then the median over timed steps.
 */
public final class StepBenchmark {
    private StepBenchmark() {
    }

    /**
     * Medians over the timed steps (milliseconds), with the step's phases; FLOPs from the method's analytic count.
     *
     * @param cpuMs         median CPU time of the whole process per step (all threads, GC and JIT included): on a
     *                      machine shared with other work this varies less than wall time
     * @param tokensPerStep real tokens of the batch (what tokens/s counts)
     * @param firstLoss     the loss of the first step (warm-up included), lastLoss of the last
     */
    public record Result(String method, int steps, double medianMs, double minMs, double maxMs, double forwardMs, double backwardMs,
                         double optimizerMs, double cpuMs, int tokensPerStep, double flopsPerStep, double firstLoss, double lastLoss) {
        public double tokensPerSecond() {
            return tokensPerStep / (medianMs / 1e3);
        }

        /** Achieved GFLOP/s at the median step time. */
        public double gflops() {
            return flopsPerStep / (medianMs / 1e3) / 1e9;
        }
    }

    /**
     * A batch of random tokens: each row is seqLen + 1 random ids, inputs the first seqLen and targets the next
     * ones; only the last {@code outputTokens} positions of each row carry a label (all when equal to seqLen).
     */
    public static TokenBatch randomBatch(int vocab, int batch, int seqLen, int outputTokens, long seed) {
        if (outputTokens < 1 || outputTokens > seqLen) throw new IllegalArgumentException("output tokens must be in [1, " + seqLen + "], got " + outputTokens);
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[batch * seqLen], targets = new int[batch * seqLen], lengths = new int[batch];
        Arrays.fill(lengths, seqLen);
        for (int b = 0; b < batch; b++) {
            int[] row = random.ints(seqLen + 1, 0, vocab).toArray();
            for (int t = 0; t < seqLen; t++) {
                tokens[b * seqLen + t] = row[t];
                targets[b * seqLen + t] = t >= seqLen - outputTokens ? row[t + 1] : -1;
            }
        }
        return new TokenBatch(batch, seqLen, tokens, targets, lengths);
    }

    /** Runs {@code warmup} then {@code steps} timed steps on {@code batch} with {@code parallel} bound; progress on stderr-like output. */
    public static Result run(TrainingMethod method, TokenBatch batch, int warmup, int steps, Parallel parallel, PrintStream progress) {
        return runInterleaved(List.of(method), batch, warmup, steps, parallel, progress).getFirst();
    }

    /**
     * Times several methods side by side: each method's warm-up steps first, then the timed steps in rounds of
     * one step per method, so that a shared machine's load falls on all of them alike. Results in method order.
     */
    public static List<Result> runInterleaved(List<TrainingMethod> methods, TokenBatch batch, int warmup, int steps, Parallel parallel,
                                              PrintStream progress) {
        return runInterleaved(methods, batch, warmup, steps, parallel, progress, () -> { });
    }

    /** {@link #runInterleaved(List, TokenBatch, int, int, Parallel, PrintStream)}, running {@code afterWarmup} between the two phases. */
    public static List<Result> runInterleaved(List<TrainingMethod> methods, TokenBatch batch, int warmup, int steps, Parallel parallel,
                                              PrintStream progress, Runnable afterWarmup) {
        return runInterleaved(methods, batch, warmup, steps, parallel, progress, afterWarmup, (m, timed) -> { });
    }

    /** Told before each step which method's step runs next and whether it is a timed one. */
    @FunctionalInterface
    public interface StepListener {
        void beforeStep(TrainingMethod method, boolean timed);
    }

    /** {@link #runInterleaved(List, TokenBatch, int, int, Parallel, PrintStream, Runnable)}, telling {@code listener} of each step. */
    public static List<Result> runInterleaved(List<TrainingMethod> methods, TokenBatch batch, int warmup, int steps, Parallel parallel,
                                              PrintStream progress, Runnable afterWarmup, StepListener listener) {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("need at least one timed step and no negative warm-up");
        return parallel.call(() -> {
            List<Timer> timers = methods.stream().map(m -> new Timer(m, batch, warmup, steps)).toList();
            for (Timer t : timers) {
                for (int i = 0; i < warmup; i++) {
                    listener.beforeStep(t.method, false);
                    t.step(progress);
                }
            }
            afterWarmup.run();
            for (int i = 0; i < steps; i++) {
                for (Timer t : timers) {
                    listener.beforeStep(t.method, true);
                    t.step(progress);
                }
            }
            return timers.stream().map(Timer::result).toList();
        });
    }

    /** One method's steps and their times. */
    private static final class Timer {
        private final TrainingMethod method;
        private final TokenBatch batch;
        private final int warmup, steps;
        private final List<Var> params;
        private final AdamW adam;
        /** The step's large activations and gradients, reused from step to step. */
        private final StepArena arena = new StepArena();
        private final double[] total, forward, backward, optimizer, cpu;
        private double firstLoss = Double.NaN, lastLoss = Double.NaN;
        private int i;

        Timer(TrainingMethod method, TokenBatch batch, int warmup, int steps) {
            this.method = method;
            this.batch = batch;
            this.warmup = warmup;
            this.steps = steps;
            this.params = method.parameters();
            this.adam = new AdamW(params, AdamW.Config.defaults().withWeightDecay(0));
            this.total = new double[steps];
            this.forward = new double[steps];
            this.backward = new double[steps];
            this.optimizer = new double[steps];
            this.cpu = new double[steps];
        }

        void step(PrintStream progress) {
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            method.beginStep(i);
            Tape.zeroGrad(params);
            Var[] loss = new Var[1];
            long[] t1 = new long[1];
            arena.run(() -> {
                loss[0] = method.model().loss(batch, i);
                t1[0] = System.nanoTime();
                Tape.backward(loss[0]);
            });
            long t2 = System.nanoTime();
            adam.step(1e-3);
            long t3 = System.nanoTime();
            long c1 = processCpuNanos();
            lastLoss = loss[0].value().get(0);
            if (i == 0) firstLoss = lastLoss;
            boolean timed = i >= warmup;
            if (timed) {
                int s = i - warmup;
                total[s] = (t3 - t0) / 1e6;
                forward[s] = (t1[0] - t0) / 1e6;
                backward[s] = (t2 - t1[0]) / 1e6;
                optimizer[s] = (t3 - t2) / 1e6;
                cpu[s] = (c1 - c0) / 1e6;
            }
            progress.printf("bench step: %s %s %d/%d %.1f ms (forward %.1f, backward %.1f, optimizer %.1f) loss %.4f%n",
                    method.name(), timed ? "step" : "warm-up", timed ? i - warmup + 1 : i + 1, timed ? steps : warmup, (t3 - t0) / 1e6,
                    (t1[0] - t0) / 1e6, (t2 - t1[0]) / 1e6, (t3 - t2) / 1e6, lastLoss);
            i++;
        }

        Result result() {
            return new Result(method.name(), steps, median(total), min(total), max(total), median(forward), median(backward), median(optimizer),
                    median(cpu), batch.tokenCount(), method.flops(batch, warmup + steps - 1), firstLoss, lastLoss);
        }
    }

    /** CPU time of this process so far, or 0 where the platform does not report it. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] xs) {
        return Arrays.stream(xs).min().orElseThrow();
    }

    private static double max(double[] xs) {
        return Arrays.stream(xs).max().orElseThrow();
    }
}
