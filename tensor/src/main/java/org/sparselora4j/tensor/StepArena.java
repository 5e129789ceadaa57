package org.sparselora4j.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.sparselora4j.tensor.kernel.Elementwise;

/**
 * Float buffers that live for one training step. A step makes the same large tensors every time (a projection's
 * output, SwiGLU's gradients: 10 MB each at a 0.5B model over 512 tokens, ~3 GB a step); as fresh arrays the JVM
 * zeroes each one on the allocating thread while the other threads wait, and the memory comes cold from DRAM.
 * Inside {@link #run} the ops take their large outputs and op results' gradients from here instead: arrays of
 * the same length handed back earlier, of which the caller then writes every element (or zeroes them, split over
 * the threads).
 *
 * <p>Lifetime: an op result's gradient is handed back as soon as the backward pass has used and dropped it, and
 * the value an op result holds whole ({@link #claim}) as soon as the backward pass has released that result (its
 * readers, the results made from it, ran their backward first), as the collector would have taken them
 * ({@link #giveBack}). Everything else lent inside {@link #run} goes back when it ends, so the values and gradients
 * of op results made inside it must not be read after it (a step's trainer reads the loss, a small tensor never
 * lent from here). Leaves (parameters) never take from here, nor does anything made without a graph (see
 * {@link #bypass}). Buffers under {@link #MIN_FLOATS} (or the arena's own threshold) come from the heap as before.
 * Between steps the arena keeps the buffers the last step lent, and no others: a step of other shapes does not
 * pile up buffers of the earlier ones. One arena serves one thread (the one
 * running the step); a call from another thread, or with no arena open, gets a fresh array.
 */
public final class StepArena {
    /** Smallest buffer lent (1 MB): smaller ones cost little to make fresh and are the ones a step's caller keeps. */
    public static final int MIN_FLOATS = 1 << 18;
    private static final ThreadLocal<StepArena> OPEN = new ThreadLocal<>();

    /** Buffers free to lend, by length. */
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    /** Buffers lent since the step began and not yet handed back. */
    private final Map<float[], Boolean> lent = new IdentityHashMap<>();
    /** Lent buffers an op result holds as its whole value ({@link #claim}). */
    private final Set<float[]> claimed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Every buffer lent this step (handed back or not): what the arena keeps for the next one. */
    private final Set<float[]> usedThisStep = Collections.newSetFromMap(new IdentityHashMap<>());
    private final int minFloats;
    private long lentFloats, mostLentFloats, stepLentFloats, lastStepLentFloats;
    private boolean poisonOnReturn;

    /** An arena that lends buffers of at least {@link #MIN_FLOATS}. */
    public StepArena() {
        this(MIN_FLOATS);
    }

    /** An arena that lends buffers of at least {@code minFloats} (tests lend a small model's tensors too). */
    public StepArena(int minFloats) {
        if (minFloats < 1) throw new IllegalArgumentException("minFloats must be positive, got " + minFloats);
        this.minFloats = minFloats;
    }

    /**
     * Runs {@code body} with the current thread's arena, if any, closed: what it makes comes from the heap (a
     * forward without a graph, whose intermediates die at once and which no backward would hand back).
     */
    public static <T> T bypass(java.util.function.Supplier<T> body) {
        StepArena arena = OPEN.get();
        if (arena == null) return body.get();
        OPEN.remove();
        try {
            return body.get();
        } finally {
            OPEN.set(arena);
        }
    }

    /** Runs {@code body} with this arena open on the current thread, then takes back everything it lent. */
    public void run(Runnable body) {
        if (OPEN.get() != null) throw new IllegalStateException("a step arena is already open on this thread");
        OPEN.set(this);
        try {
            body.run();
        } finally {
            OPEN.remove();
            endStep();
        }
    }

    /** Test aid: fill every buffer handed back with NaN, so a value read after its lifetime shows. */
    public StepArena poisonOnReturn() {
        this.poisonOnReturn = true;
        return this;
    }

    /** Floats lent at the same time at most, over the steps so far. */
    public long mostLentFloats() {
        return mostLentFloats;
    }

    /** Floats lent over the last step, counting a buffer each time it was lent. */
    public long lastStepLentFloats() {
        return lastStepLentFloats;
    }

    /** Floats this arena holds between steps (free to lend). */
    public long heldFloats() {
        long n = 0;
        for (ArrayDeque<float[]> d : free.values()) for (float[] a : d) n += a.length;
        return n;
    }

    /** A tensor whose every element the caller will write: from the open arena where it is large, else fresh zeros. */
    public static Tensor uninitialized(Shape shape) {
        float[] a = take(shape.size());
        return a == null ? Tensor.zeros(shape) : Tensor.of(shape, a);
    }

    /** {@link #uninitialized(Shape)} of the given dimensions. */
    public static Tensor uninitialized(int... dims) {
        return uninitialized(Shape.of(dims));
    }

    /** A tensor of zeros: from the open arena (zeroed over the threads) where it is large, else fresh. */
    public static Tensor zeros(Shape shape) {
        float[] a = take(shape.size());
        if (a == null) return Tensor.zeros(shape);
        Tensor t = Tensor.of(shape, a);
        Elementwise.fill(t, 0f);
        return t;
    }

    /**
     * Marks {@code t}'s buffer as the value of one op result, which will hand it back when the backward pass has
     * released it: true where the open arena lent that buffer, t spans all of it, and no other op result claimed
     * it (a reshaped view of the same buffer is not a second owner).
     */
    public static boolean claim(Tensor t) {
        StepArena arena = OPEN.get();
        if (arena == null || t.isCompact() || t.offset() != 0 || t.size() != t.data().length) return false;
        float[] a = t.data();
        return arena.lent.containsKey(a) && arena.claimed.add(a);
    }

    /**
     * Hands back {@code t}'s buffer early, where the open arena lent it and nothing else reads it any more (an op
     * result's gradient the backward pass has dropped). Anything else is ignored.
     */
    public static void giveBack(Tensor t) {
        StepArena arena = OPEN.get();
        if (arena == null || t.isCompact()) return;
        float[] a = t.data();
        if (arena.lent.remove(a) == null) return;
        arena.claimed.remove(a);
        arena.lentFloats -= a.length;
        arena.release(a);
    }

    private static float[] take(int size) {
        StepArena arena = OPEN.get();
        if (arena == null || size < arena.minFloats) return null;
        ArrayDeque<float[]> d = arena.free.get(size);
        float[] a = d == null ? null : d.pollLast();
        if (a == null) a = new float[size];
        arena.lent.put(a, Boolean.TRUE);
        arena.usedThisStep.add(a);
        arena.lentFloats += size;
        arena.stepLentFloats += size;
        arena.mostLentFloats = Math.max(arena.mostLentFloats, arena.lentFloats);
        return a;
    }

    private void release(float[] a) {
        if (poisonOnReturn) Arrays.fill(a, Float.NaN);
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
    }

    /** Everything lent goes back; what stays is exactly the buffers this step used (the others go to the collector). */
    private void endStep() {
        free.clear();
        for (float[] a : usedThisStep) release(a);
        usedThisStep.clear();
        lent.clear();
        claimed.clear();
        lentFloats = 0;
        lastStepLentFloats = stepLentFloats;
        stepLentFloats = 0;
    }
}
