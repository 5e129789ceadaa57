package org.sparselora4j.tensor;

import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;

/**
 * Where the heavy products of a training step run. Chosen once, at construction, and passed to what needs it.
 * The semantics of every method are those of the {@code tensor} kernels of the same name ({@link MatMul},
 * {@link GatheredMatMul}); {@link #cpu()} is exactly those kernels. A backend may keep a copy of a tensor it has
 * seen as a frozen weight ({@code b} of {@code abT}/{@code ab}, {@code w} of the gathered products), keyed by its
 * backing array, for as long as it lives: an accelerator its device copy, {@link #cpuPackingWeights()} the
 * weight packed for the GEMM. A weight must therefore not change while a backend that has seen it is open.
 */
public interface Backend extends AutoCloseable {
    /** A short name for logs and JSON, such as "cpu" or "opencl:NVIDIA H100". */
    String name();

    void abT(Tensor a, Tensor b, Tensor out, boolean accumulate);

    void ab(Tensor a, Tensor b, Tensor out, boolean accumulate);

    void aTb(Tensor a, Tensor b, Tensor out, boolean accumulate);

    void rowsAbT(Tensor x, Tensor w, Index rows, Tensor out, boolean accumulate);

    void rowsAb(Tensor dy, Tensor w, Index rows, Tensor out, boolean accumulate);

    void colsAbT(Tensor x, Tensor w, Index cols, boolean compactInput, Tensor out, boolean accumulate);

    void colsAb(Tensor dy, Tensor w, Index cols, Tensor out, boolean accumulate);

    /** Bytes of the copies of weights the backend keeps (packed copies, device buffers it reports); 0 if none. */
    default long keptBytes() {
        return 0;
    }

    /**
     * Makes ahead, in the given order and as far as the backend's room allows, the copies it would otherwise make on
     * first use of each of these frozen weights as {@code b} of {@link #abT} and {@link #ab}, using the threads of
     * {@link Parallel#current()}: a training run's first step then does not pack every weight on one thread.
     * Changes no result; a backend that keeps nothing ignores it.
     */
    default void prepare(java.util.List<Tensor> frozenWeights) {
    }

    /** Releases what the backend keeps (device resources, packed copies); the shared {@link #cpu()} keeps nothing. */
    @Override
    void close();

    /** The Vector API kernels of this module; keeps nothing between calls. */
    static Backend cpu() {
        return CpuBackend.INSTANCE;
    }

    /**
     * The Vector API kernels, with each frozen weight packed once into the GEMM's panel order on first use and
     * reused by every later product (training's forward x·wᵀ and input gradient dy·w, step after step). Costs a
     * copy of each weight per layout used, until {@link #close()}, within a third of the heap still free when
     * it is made (weights beyond that are packed per call, as by {@link #cpu()}); the weights must not change
     * meanwhile.
     */
    static Backend cpuPackingWeights() {
        return cpuPackingWeights(Long.MAX_VALUE);
    }

    /**
     * {@link #cpuPackingWeights()} with copies of at most {@code budgetBytes} (float32 bytes' worth: a 16-bit
     * packing counts half): the room a run's memory plan set aside for them, so that packing never takes the heap
     * its activations need. A planned budget is trusted up to two thirds of the heap still free (a heap sized by
     * that plan leaves more than that: its activations, logits and a third's slack besides), so that a plan that
     * allows both layouts of every weight gets them; {@link #cpuPackingWeights()}, with no plan, keeps to a third.
     */
    static Backend cpuPackingWeights(long budgetBytes) {
        return cpuPackingWeights(budgetBytes, false);
    }

    /**
     * {@link #cpuPackingWeights(long)} where {@code widenCompact} gives compact weights (BF16, Q8_0, ...) float32
     * copies in both layouts, as float32 weights get: for a plan that found room for them, the budget counting
     * their float32 bytes.
     */
    static Backend cpuPackingWeights(long budgetBytes, boolean widenCompact) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long cap = budgetBytes == Long.MAX_VALUE ? free / 3 : free / 3 * 2;
        return new CpuBackend(Math.max(0, Math.min(budgetBytes, cap) / Float.BYTES), widenCompact);
    }
}
