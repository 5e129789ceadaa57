package org.sparselora4j.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * Splits a range of work items over a long-lived pool of threads; the calling thread takes a share too.
 * One instance per thread count, created once; kernels use {@link #current()}, which is the instance a caller
 * bound with {@link #run(Runnable)} or else one that uses every core. Nested calls from inside a pool thread
 * run inline, so a parallel kernel called from parallel code does not oversubscribe.
 */
public final class Parallel {
    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final ScopedValue<Parallel> CURRENT = ScopedValue.newInstance();
    private static final Parallel DEFAULT = new Parallel(Runtime.getRuntime().availableProcessors());

    private final int threads;
    private final ForkJoinPool pool; // null when single-threaded

    /** A pool of {@code threads} threads, the caller included. */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("sparselora4j-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    /** The instance bound by the innermost enclosing {@link #run}, or the all-cores default. */
    public static Parallel current() {
        return CURRENT.orElse(DEFAULT);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} with this instance as {@link #current()}. */
    public void run(Runnable body) {
        ScopedValue.where(CURRENT, this).run(body);
    }

    /** Runs {@code body} with this instance as {@link #current()} and returns its result. */
    public <T> T call(ScopedValue.CallableOp<T, RuntimeException> body) {
        return ScopedValue.where(CURRENT, this).call(body);
    }

    /**
     * Runs {@code body} over [0, n) in at most {@code threads} contiguous chunks of at least {@code grain} items.
     * Chunk boundaries are multiples of {@code grain} except the last, so callers can align chunks to blocks.
     */
    public void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        int blocks = (n + g - 1) / g;
        int parts = Math.min(threads, blocks);
        if (parts <= 1 || pool == null || Thread.currentThread() instanceof ForkJoinWorkerThread) {
            body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = Math.min(n, (int) ((long) blocks * p / parts) * g);
            int to = Math.min(n, (int) ((long) blocks * (p + 1) / parts) * g);
            tasks[p - 1] = pool.submit(() -> body.run(from, to));
        }
        RuntimeException failure = null;
        try {
            body.run(0, Math.min(n, (int) ((long) blocks / parts) * g));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }

    /** {@link #forRange} with a grain of 1. */
    public void forRange(int n, Range body) {
        forRange(n, 1, body);
    }
}
