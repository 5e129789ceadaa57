package org.sparselora4j.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of work items over a long-lived pool of threads; the calling thread takes a share too.
 * One instance per thread count, created once; kernels use {@link #current()}, which is the instance a caller
 * bound with {@link #run(Runnable)} or else one that uses every core. Nested calls from inside a pool thread
 * run inline, so a parallel kernel called from parallel code does not oversubscribe; so does a call made while
 * another thread (or this one, from inside its own share) holds the pool.
 *
 * <p>A training step makes a few thousand calls of a few milliseconds each, with short serial stretches
 * between them. A worker that parked after each call is woken by the next one tens of microseconds late, and the
 * caller, with an equal share, then waits that long for it: 80-180 ms a step at qwen2.5-0.5b on 2 Zen 4 cores,
 * with the worker the later of the two in 80-90% of calls (a ForkJoinPool, measured). So a worker spins for
 * {@link #SPIN_NANOS} after each share before it parks (as OpenMP runtimes and OpenBLAS's threads do), and the
 * caller spins on its join the same way; a worker idle for {@link #KEEP_ALIVE_NANOS} ends and is started again by
 * the next call. Spinning counts as CPU time: a step's CPU time then includes up to that much a call per worker.
 */
public final class Parallel {
    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * How long a worker (and a caller on its join) spins before it parks: longer than the serial stretches between
     * a step's calls, short enough that an idle pool gives its cores back at once. Property
     * {@code sparselora4j.parallel.spinMicros}.
     */
    static final long SPIN_NANOS = Long.getLong("sparselora4j.parallel.spinMicros", 200) * 1000;
    /** A worker parked this long with no work ends; the next call starts it again. */
    static final long KEEP_ALIVE_NANOS = 30_000_000_000L;

    private static final ScopedValue<Parallel> CURRENT = ScopedValue.newInstance();
    private static final Parallel DEFAULT = new Parallel(Runtime.getRuntime().availableProcessors());

    private final int threads;
    private final long keepAliveNanos;
    /** Worker p runs chunk p + 1 of a call; null until first needed, and again after it ends. */
    private final Worker[] workers;
    /** Held by the call whose chunks the workers are running. */
    private final AtomicBoolean busy = new AtomicBoolean();

    /** A pool of {@code threads} threads, the caller included. */
    public Parallel(int threads) {
        this(threads, KEEP_ALIVE_NANOS);
    }

    /** A pool whose idle workers end after {@code keepAliveNanos} (tests). */
    Parallel(int threads, long keepAliveNanos) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        this.threads = threads;
        this.keepAliveNanos = keepAliveNanos;
        this.workers = new Worker[threads - 1];
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
        if (parts <= 1 || Thread.currentThread() instanceof Worker || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            Call call = new Call(body, parts - 1, Thread.currentThread());
            for (int p = 1; p < parts; p++) {
                int from = Math.min(n, (int) ((long) blocks * p / parts) * g);
                int to = Math.min(n, (int) ((long) blocks * (p + 1) / parts) * g);
                post(p - 1, new Share(call, from, to));
            }
            try {
                body.run(0, Math.min(n, (int) ((long) blocks / parts) * g));
            } catch (RuntimeException | Error e) {
                call.fail(e);
            }
            call.await();
            Throwable failure = call.failure.get();
            if (failure instanceof RuntimeException e) throw e;
            if (failure instanceof Error e) throw e;
        } finally {
            busy.set(false);
        }
    }

    /** {@link #forRange} with a grain of 1. */
    public void forRange(int n, Range body) {
        forRange(n, 1, body);
    }

    /** How many of this pool's workers are running (started and not yet ended): for tests. */
    int liveWorkers() {
        int live = 0;
        for (Worker w : workers) if (w != null && !w.ended() && w.isAlive()) live++;
        return live;
    }

    /** Hands a share to worker {@code w}, starting it if it has not started yet or has ended. */
    private void post(int w, Share share) {
        Worker worker = workers[w];
        if (worker != null && worker.offer(share)) return;
        worker = new Worker(share, "sparselora4j-" + w, keepAliveNanos);
        workers[w] = worker;
        worker.start();
    }

    /** One forRange call as its workers see it: the body, the shares still running and the first failure. */
    private static final class Call {
        final Range body;
        final AtomicInteger pending;
        final Thread caller;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Call(Range body, int shares, Thread caller) {
            this.body = body;
            this.pending = new AtomicInteger(shares);
            this.caller = caller;
        }

        void fail(Throwable e) {
            failure.compareAndSet(null, e);
        }

        void done() {
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }

        /** Waits until every worker's share has run: spinning first, then parked until the last one unparks it. */
        void await() {
            long start = System.nanoTime();
            while (pending.get() != 0) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
        }
    }

    /** The items [from, to) of a call. */
    private record Share(Call call, int from, int to) {
        void run() {
            try {
                call.body.run(from, to);
            } catch (RuntimeException | Error e) {
                call.fail(e);
            } finally {
                call.done();
            }
        }
    }

    /** A pool thread: runs the shares posted to it, spinning between them, parking when idle, ending when long idle. */
    private static final class Worker extends Thread {
        private static final int WAITING = 0, POSTED = 1, ENDED = 2;
        private final AtomicInteger state = new AtomicInteger(POSTED);
        private volatile Share share;
        private volatile boolean parked;
        private final long keepAliveNanos;

        Worker(Share first, String name, long keepAliveNanos) {
            super(name);
            setDaemon(true);
            this.share = first;
            this.keepAliveNanos = keepAliveNanos;
        }

        /** True once this worker has ended (idle past its keep-alive). */
        boolean ended() {
            return state.get() == ENDED;
        }

        /** Posts a share; false when this worker has ended (the caller then starts another). */
        boolean offer(Share next) {
            share = next;
            if (!state.compareAndSet(WAITING, POSTED)) return false;
            if (parked) LockSupport.unpark(this);
            return true;
        }

        @Override
        public void run() {
            while (true) {
                Share s = share;
                share = null;
                // Waiting before the share runs, not after: its last done() lets the caller post the next share,
                // which must find this worker WAITING (not POSTED) or it would start a second worker beside it.
                state.set(WAITING);
                s.run();
                if (!awaitPost()) return;
            }
        }

        /** Waits for the next share; false when none came within the keep-alive and this worker has ended. */
        private boolean awaitPost() {
            long start = System.nanoTime();
            while (state.get() == WAITING) {
                long idle = System.nanoTime() - start;
                if (idle < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                if (idle >= keepAliveNanos) {
                    if (state.compareAndSet(WAITING, ENDED)) return false;
                    break;
                }
                parked = true;
                if (state.get() == WAITING) LockSupport.parkNanos(this, keepAliveNanos - idle);
                parked = false;
            }
            return true;
        }
    }
}
