package org.sparselora4j.autograd;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Wall time of every op of a step by where it was made ({@code bench step --breakdown}): an op's forward is the
 * time since the previous op's result was made on the timed thread (ops run one after another there, their kernels
 * spread over threads inside), its backward the time its closure runs. Labels are the op's method and its caller,
 * found by walking the stack once per op (excluded from the times). Off unless {@link #begin} was called; then it
 * times only the thread that called it. CPU time counts that thread and the pool threads alive at {@link #begin}
 * (a pool thread started later is missed, so "threads busy" is then low). With checkpointing, the closures of a
 * block's recomputed ops run inside the block's own closure and count in both; a closure's CPU time after a
 * nested one counts from where that ended.
 */
public final class OpTimer {
    /** One label's sums: forward and backward nanoseconds and calls. */
    public record Entry(String method, String label, long forwardNanos, long forwardCalls, long backwardNanos, long backwardCalls,
                        long cpuNanos) {
        public long nanos() {
            return forwardNanos + backwardNanos;
        }

        /** CPU time of the timed thread and the pool's threads over the op, per wall time: 1 where it ran on one thread. */
        public double threadsBusy() {
            return nanos() == 0 ? 0 : (double) cpuNanos / nanos();
        }
    }

    private static volatile Thread thread;
    private static String method = "";
    private static long mark;
    private static int backwardDepth; // closures running: a checkpointed block runs a backward inside its own
    private static long cpuMark;
    private static long[] threadIds = new long[0];
    private static final Map<String, long[]> SUMS = new HashMap<>();
    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private OpTimer() {
    }

    /**
     * Times the calling thread's ops from now on, under {@code methodName}; CPU time is summed over it and the
     * threads named {@code poolPrefix}… (the kernels' pool).
     */
    public static synchronized void begin(String methodName, String poolPrefix) {
        thread = Thread.currentThread();
        method = methodName;
        backwardDepth = 0;
        List<Long> ids = new ArrayList<>();
        ids.add(thread.threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().startsWith(poolPrefix)) ids.add(t.threadId());
        threadIds = ids.stream().mapToLong(Long::longValue).toArray();
        mark = System.nanoTime();
        cpuMark = cpu();
    }

    private static long cpu() {
        long sum = 0;
        for (long id : threadIds) sum += Math.max(0, THREADS.getThreadCpuTime(id));
        return sum;
    }

    /** Stops timing (what was summed stays). */
    public static synchronized void end() {
        thread = null;
    }

    /** Everything summed so far, largest total first; and clears it. */
    public static synchronized List<Entry> drain() {
        List<Entry> out = new ArrayList<>();
        SUMS.forEach((k, v) -> {
            int bar = k.indexOf('|');
            out.add(new Entry(k.substring(0, bar), k.substring(bar + 1), v[0], v[1], v[2], v[3], v[4]));
        });
        SUMS.clear();
        out.sort(Comparator.comparingLong(Entry::nanos).reversed());
        return out;
    }

    /** Called as an op's result is made: its label when timing (the forward time summed), else null. */
    static String forward() {
        if (thread != Thread.currentThread()) return null;
        long now = System.nanoTime(), cpu = cpu();
        String label = caller();
        if (backwardDepth == 0) add(label, 0, now - mark, cpu - cpuMark);
        mark = System.nanoTime();
        cpuMark = cpu();
        return label;
    }

    /** Before a backward closure runs: a start time when timing, else 0. */
    static long startBackward() {
        if (thread != Thread.currentThread()) return 0;
        backwardDepth++;
        cpuMark = cpu();
        return System.nanoTime();
    }

    /** After a backward closure started at {@code t0} ran. */
    static void endBackward(String label, long t0) {
        if (t0 == 0) return;
        long now = System.nanoTime(), cpu = cpu();
        add(label == null ? "(made before timing)" : label, 2, now - t0, cpu - cpuMark);
        backwardDepth--;
        mark = System.nanoTime();
        cpuMark = cpu();
    }

    private static void add(String label, int slot, long nanos, long cpuNanos) {
        long[] s = SUMS.computeIfAbsent(method + "|" + label, k -> new long[5]);
        s[slot] += nanos;
        s[slot + 1]++;
        s[4] += Math.max(0, cpuNanos); // a pool thread that ended mid-op (its clock then reads 0) adds nothing
    }

    private static String caller() {
        return WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Var.class.getName()) && !f.getClassName().equals(OpTimer.class.getName()))
                .limit(2)
                .map(f -> {
                    String c = f.getClassName();
                    return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName();
                })
                .collect(Collectors.joining(" < ")));
    }
}
