package org.sparselora4j.cli;

import org.sparselora4j.autograd.OpTimer;
import org.sparselora4j.lora.run.StepBenchmark;

import java.io.PrintStream;
import java.util.List;

/** {@code bench step --breakdown}'s table: each method's frozen-weight products per timed step, beside its step time. */
final class GemmBreakdown {
    private GemmBreakdown() {
    }

    static void print(List<TimedBackend.Entry> entries, List<StepBenchmark.Result> results, int steps, PrintStream err) {
        for (StepBenchmark.Result r : results) {
            double ms = 0, gflop = 0;
            for (TimedBackend.Entry e : entries) {
                if (!e.label().equals(r.method())) continue;
                ms += e.nanos() / 1e6 / steps;
                gflop += e.flops() / 1e9 / steps;
            }
            if (ms == 0) continue;
            err.printf("breakdown %s: median step %.0f ms, frozen-weight products %.0f ms (%.1f GFLOP, %.0f GFLOP/s), the rest %.0f ms%n",
                    r.method(), r.medianMs(), ms, gflop, gflop / ms * 1e3, r.medianMs() - ms);
            err.printf("breakdown %s: %-8s %6s %6s %6s %6s %9s %8s %7s%n", r.method(), "kind", "m", "k", "n", "calls", "ms/step", "GFLOP", "GFLOP/s");
            for (TimedBackend.Entry e : entries) {
                if (!e.label().equals(r.method())) continue;
                double ems = e.nanos() / 1e6 / steps, eg = e.flops() / 1e9 / steps;
                err.printf("breakdown %s: %-8s %6d %6d %6d %6.1f %9.1f %8.2f %7.1f%n", r.method(), e.kind(), e.m(), e.k(), e.n(),
                        (double) e.calls() / steps, ems, eg, eg / ems * 1e3);
            }
        }
    }

    /** Each method's ops by where they were made: forward and backward ms per timed step, the largest first. */
    static void printOps(List<OpTimer.Entry> entries, List<StepBenchmark.Result> results, int steps, PrintStream err) {
        for (StepBenchmark.Result r : results) {
            double fwd = 0, bwd = 0, cpu = 0;
            for (OpTimer.Entry e : entries) {
                if (!e.method().equals(r.method())) continue;
                fwd += e.forwardNanos() / 1e6 / steps;
                bwd += e.backwardNanos() / 1e6 / steps;
                cpu += e.cpuNanos() / 1e6 / steps;
            }
            if (fwd + bwd == 0) continue;
            err.printf("ops %s: median step %.0f ms, ops' forward %.0f ms, backward %.0f ms, CPU of the step's threads %.0f ms (%.2f busy)%n",
                    r.method(), r.medianMs(), fwd, bwd, cpu, cpu / (fwd + bwd));
            for (OpTimer.Entry e : entries) {
                if (!e.method().equals(r.method())) continue;
                double ms = e.nanos() / 1e6 / steps;
                if (ms < 1) continue;
                err.printf("ops %s: %8.1f ms = fwd %7.1f (%5.1f calls) + bwd %7.1f, %.2f threads busy  %s%n", r.method(), ms,
                        e.forwardNanos() / 1e6 / steps, (double) e.forwardCalls() / steps, e.backwardNanos() / 1e6 / steps, e.threadsBusy(), e.label());
            }
        }
    }
}
