package org.sparselora4j.tornado;

import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One TornadoVM task graph running {@link MatMulKernel} on one device, compiled on its first execution and
 * reused for every product that fits its buffers. The B operand is either a frozen weight, transferred on the
 * first execution only and kept on the device for the graph's life, or a scratch operand sent every execution
 * (aTb, whose operands are both activations). A, the index, the sizes and C travel every execution, each
 * transferred whole: the capacities are those of the products seen so far, so a graph is rebuilt (and a weight
 * uploaded again) only when a larger activation comes.
 */
final class ProductGraph implements AutoCloseable {
    private static final String TASK = "matmul";

    private final FloatArray a;
    private final FloatArray b;
    private final boolean bIsWeight;
    private final IntArray idx;
    private final FloatArray c;
    private final IntArray dims = new IntArray(MatMulKernel.DIMS);
    private final WorkerGrid2D grid = new WorkerGrid2D(MatMulKernel.TILE, MatMulKernel.TILE);
    private final TornadoExecutionPlan plan;

    private ProductGraph(String name, TornadoDevice device, FloatArray b, boolean bIsWeight, int aCapacity, int idxCapacity, int cCapacity) {
        this.a = new FloatArray(Math.max(1, aCapacity));
        this.b = b;
        this.bIsWeight = bIsWeight;
        this.idx = new IntArray(Math.max(1, idxCapacity));
        this.c = new FloatArray(Math.max(1, cCapacity));
        TaskGraph graph = new TaskGraph(name);
        if (bIsWeight) {
            graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, b);
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, idx, dims);
        } else {
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, idx, dims);
        }
        graph.task(TASK, MatMulKernel::matmul, new KernelContext(), a, b, idx, c, dims)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        grid.setLocalWork(MatMulKernel.TILE, MatMulKernel.TILE, 1);
        this.plan = new TornadoExecutionPlan(graph.snapshot());
        plan.withDevice(device).withGridScheduler(new GridScheduler(name + "." + TASK, grid));
    }

    /** A graph over the frozen weight {@code w}, copied here once; it reaches the device on the first {@link #run}. */
    static ProductGraph forWeight(String name, TornadoDevice device, Tensor w, int aCapacity, int idxCapacity, int cCapacity) {
        FloatArray weight = new FloatArray(w.size());
        copyIn(w, weight);
        return new ProductGraph(name, device, weight, true, aCapacity, idxCapacity, cCapacity);
    }

    /** A graph whose B is sent with every product. */
    static ProductGraph forActivations(String name, TornadoDevice device, int aCapacity, int bCapacity, int cCapacity) {
        return new ProductGraph(name, device, new FloatArray(Math.max(1, bCapacity)), false, aCapacity, 1, cCapacity);
    }

    boolean fits(int aSize, int bSize, int idxSize, int cSize) {
        return aSize <= a.getSize() && idxSize <= idx.getSize() && cSize <= c.getSize() && (bIsWeight || bSize <= b.getSize());
    }

    int aCapacity() {
        return a.getSize();
    }

    int idxCapacity() {
        return idx.getSize();
    }

    int cCapacity() {
        return c.getSize();
    }

    int bCapacity() {
        return bIsWeight ? 0 : b.getSize();
    }

    /** Bytes this graph holds on the device for its frozen weight (0 for an activation graph). */
    long weightBytes() {
        return bIsWeight ? (long) b.getSize() * Float.BYTES : 0;
    }

    /**
     * out(m,n) (+)= A · B in {@code layout}; {@code bActivation} is B for an activation graph and ignored for a weight
     * graph; {@code index} may be null for layouts that gather nothing. Sizes are the caller's to check (m, n, k > 0).
     */
    void run(Layout layout, int m, int n, int k, Tensor aIn, int lda, Tensor bActivation, int ldb, Index index, Tensor out, boolean accumulate) {
        copyIn(aIn, a);
        if (!bIsWeight) copyIn(bActivation, b);
        if (index != null) {
            int[] values = index.values();
            MemorySegment.copy(values, 0, idx.getSegment(), ValueLayout.JAVA_INT, 0, values.length);
        }
        int[] d = MatMulKernel.dims(layout, m, n, k, lda, ldb);
        for (int q = 0; q < d.length; q++) dims.set(q, d[q]);
        grid.setGlobalWork(roundUp(n), roundUp(m), 1);
        plan.execute();
        int size = m * n;
        float[] o = out.data();
        int off = out.offset();
        if (accumulate) {
            for (int q = 0; q < size; q++) o[off + q] += c.get(q);
        } else {
            MemorySegment.copy(c.getSegment(), ValueLayout.JAVA_FLOAT, 0, o, off, size);
        }
    }

    private static void copyIn(Tensor t, FloatArray dst) {
        MemorySegment.copy(t.data(), t.offset(), dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, t.size());
    }

    private static long roundUp(int x) {
        return (long) (x + MatMulKernel.TILE - 1) / MatMulKernel.TILE * MatMulKernel.TILE;
    }

    /** Frees the graph's device buffers. */
    @Override
    public void close() {
        try {
            plan.freeDeviceMemory();
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("tornado: could not release a task graph: " + e.getMessage(), e);
        }
    }
}
