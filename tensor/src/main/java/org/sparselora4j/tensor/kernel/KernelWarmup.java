package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Runs the hot kernels of a training step on small operands until the JIT has compiled them, before the first
 * real step. Until C2 compiles a Vector API kernel, every {@code FloatVector} it touches is a heap object (the
 * interpreter and C1 do not intrinsify them): in a JFR profile of the first four LoRA steps at stories15M a
 * quarter of the samples were in that fallback code (boxed FMAs, loads and broadcasts in the micro-kernel,
 * cross-entropy, the small matmuls, RMSNorm, SwiGLU). Small operands reach C2's invocation and loop thresholds
 * in a fraction of the time a real step's large ones take, interpreted, to do the same.
 *
 * <p>Results are discarded; the operands are random, so no branch is trained on a special value. Runs on one
 * thread (the pool's threads run the same compiled code).
 */
public final class KernelWarmup {
    /**
     * Rounds: each kernel is called at least this often, and the micro-kernels and row kernels several times per
     * round, which passes C2's tiered thresholds (about 5,000 invocations of a method with loops).
     */
    private static final int CALLS = 4_000;

    private KernelWarmup() {
    }

    /** Warms the kernels; returns the milliseconds it took. */
    public static double run() {
        long t0 = System.nanoTime();
        new Parallel(1).run(KernelWarmup::warm);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void warm() {
        SplittableRandom random = new SplittableRandom(7);
        int nr = MicroKernel.NR;
        // The packed GEMM with each tile (B packed and read in place, ragged edges), and the small paths.
        Tensor a = Tensor.randn(random, 1f, 2 * MicroKernel.MR_MAX + 1, 32);
        Tensor bT = Tensor.randn(random, 1f, 2 * nr + 3, 32);
        Tensor b = Tensor.randn(random, 1f, 32, 2 * nr + 3);
        Tensor aT = Tensor.randn(random, 1f, 32, 2 * MicroKernel.MR_MAX + 1);
        Tensor c = Tensor.zeros(a.rows(), bT.rows());
        Tensor shortA = Tensor.randn(random, 1f, 3, 32), shortC = Tensor.zeros(3, bT.rows());
        Tensor narrowB = Tensor.randn(random, 1f, 8, 32), narrowC = Tensor.zeros(a.rows(), 8);
        // Cross-entropy, RMSNorm, SwiGLU and elementwise kernels over rows a few vectors long.
        int width = 8 * MicroKernel.V + 3;
        Tensor x = Tensor.randn(random, 1f, 4, width), y = Tensor.zeros(4, width), g = Tensor.randn(random, 1f, 4, width);
        Tensor dg = Tensor.zeros(4, width), du = Tensor.zeros(4, width), w = Tensor.randn(random, 1f, width);
        int[] targets = {1, -1, 5, width - 1};
        float[] row = new float[width];
        for (int i = 0; i < CALLS; i++) {
            switch (i % 3) {
                case 0 -> MatMul.abT(a, bT, c, false);
                case 1 -> MatMul.ab(a, b, c, true);
                default -> MatMul.aTb(aT, b, c, true);
            }
            MatMul.abT(shortA, bT, shortC, false);
            MatMul.abT(a, narrowB, narrowC, false);
            if (i % 3 == 0) {
                for (int mr : GemmPlan.TILE_ROWS) {
                    GemmPlan plan = GemmPlan.forTile(mr, Machine.current());
                    if (mr != GemmPlan.current().mr()) MatMul.abT(a, bT, c, false, plan);
                }
            }
            CrossEntropy.lossAndGrad(x, targets, y, 0.25f);
            float[] inv = RmsNorm.forward(x, w, 1e-5f, y);
            RmsNorm.backwardInput(g, x, w, inv, dg, false);
            SwiGlu.forward(x, g, y);
            SwiGlu.backward(x, g, y, dg, du);
            Elementwise.add(x, g, y);
            Elementwise.axpy(0.5f, x, y);
            System.arraycopy(x.data(), 0, row, 0, width);
            Softmax.inPlace(row, 0, width);
        }
    }
}
