package org.sparselora4j.opencl;

import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times one M×K×N product on an {@link OpenClBackend}'s device, for {@code bench gemm --backend opencl}. Two
 * medians: {@link Timing#deviceMs()} with every operand already on the device (enqueue + {@code clFinish}: the
 * kernel alone), and {@link Timing#endToEndMs()} through the {@link org.sparselora4j.tensor.Backend} call, which
 * uploads the activation, runs, and reads the output back, the weight cached on the device as in training.
 */
public final class OpenClGemmTimer {
    private OpenClGemmTimer() {
    }

    /**
     * Medians in milliseconds of one product that does {@code flops} useful floating-point operations
     * (2·M·K·N, times the kept fraction for a gathered product).
     */
    public record Timing(String device, MatMulVariant variant, int m, int k, int n, int kept, double flops,
                         double deviceMs, double endToEndMs) {
        /** GFLOP/s of the kernel alone. */
        public double deviceGflops() {
            return flops / deviceMs / 1e6;
        }

        /** GFLOP/s including the per-call transfers. */
        public double endToEndGflops() {
            return flops / endToEndMs / 1e6;
        }
    }

    /**
     * A dense product in one layout ({@link MatMulVariant#AB_T}: x(m,k)·w(n,k)ᵀ; {@link MatMulVariant#AB}:
     * a(m,k)·b(k,n); {@link MatMulVariant#AT_B}: a(k,m)ᵀ·b(k,n)) on normal random inputs.
     */
    public static Timing dense(OpenClBackend backend, MatMulVariant layout, int m, int k, int n, int reps, double warmupSeconds) {
        SplittableRandom random = new SplittableRandom(42);
        Tensor out = Tensor.zeros(m, n);
        Runnable call;
        Tensor a;
        Tensor b;
        switch (layout) {
            case AB_T -> {
                a = Tensor.randn(random, 1, m, k);
                b = Tensor.randn(random, 1, n, k);
                call = () -> backend.abT(a, b, out, false);
            }
            case AB -> {
                a = Tensor.randn(random, 1, m, k);
                b = Tensor.randn(random, 1, k, n);
                call = () -> backend.ab(a, b, out, false);
            }
            case AT_B -> {
                a = Tensor.randn(random, 1, k, m);
                b = Tensor.randn(random, 1, k, n);
                call = () -> backend.aTb(a, b, out, false);
            }
            default -> throw new IllegalArgumentException(layout + " is not a dense layout; use gathered()");
        }
        int lda = layout == MatMulVariant.AT_B ? m : k;
        int ldb = layout == MatMulVariant.AB_T ? k : n;
        return time(backend, layout, m, k, n, n, 2.0 * m * k * n, a, lda, b, ldb, null, call, reps, warmupSeconds);
    }

    /**
     * A gathered forward product y = x(m,k)·w(n,k)ᵀ keeping {@code index} of w's rows
     * ({@link MatMulVariant#ROWS_AB_T}, index below n) or of its columns ({@link MatMulVariant#COLS_AB_T}, on a
     * full-width x, index below k).
     */
    public static Timing gathered(OpenClBackend backend, MatMulVariant variant, int m, int k, int n, Index index, int reps, double warmupSeconds) {
        SplittableRandom random = new SplittableRandom(42);
        Tensor x = Tensor.randn(random, 1, m, k);
        Tensor w = Tensor.randn(random, 1, n, k);
        int kept = index.size();
        return switch (variant) {
            case ROWS_AB_T -> {
                Tensor out = Tensor.zeros(m, kept);
                yield time(backend, variant, m, k, kept, kept, 2.0 * m * k * kept, x, k, w, k, index,
                        () -> backend.rowsAbT(x, w, index, out, false), reps, warmupSeconds);
            }
            case COLS_AB_T -> {
                Tensor out = Tensor.zeros(m, n);
                yield time(backend, variant, m, kept, n, kept, 2.0 * m * kept * n, x, k, w, k, index,
                        () -> backend.colsAbT(x, w, index, false, out, false), reps, warmupSeconds);
            }
            default -> throw new IllegalArgumentException(variant + " is not timed; use ROWS_AB_T or COLS_AB_T");
        };
    }

    /** Kernel-only and end-to-end medians; {@code m, k, n} here are the kernel's M, K, N. */
    private static Timing time(OpenClBackend backend, MatMulVariant variant, int m, int k, int n, int kept, double flops,
                               Tensor a, int lda, Tensor b, int ldb, Index index, Runnable call, int reps, double warmupSeconds) {
        if (reps < 1) throw new IllegalArgumentException("reps must be at least 1, got " + reps);
        double endToEnd = median(call, reps, warmupSeconds);
        ClContext context = backend.context();
        double device;
        synchronized (backend) {
            try (ClBuffer aBuf = context.buffer(Math.max(4, (long) a.size() * Float.BYTES));
                 ClBuffer bBuf = context.buffer(Math.max(4, (long) b.size() * Float.BYTES));
                 ClBuffer cBuf = context.buffer(Math.max(4, (long) m * n * Float.BYTES));
                 ClBuffer iBuf = context.buffer(Math.max(4, index == null ? 4 : (long) index.size() * Integer.BYTES))) {
                aBuf.write(a.data(), a.offset(), a.size());
                bBuf.write(b.data(), b.offset(), b.size());
                if (index != null) iBuf.write(index.values(), 0, index.size());
                ClBuffer idx = index == null ? null : iBuf;
                DeviceMatMul matmul = backend.matmul();
                device = median(() -> {
                    matmul.enqueue(variant, m, n, k, aBuf, lda, bBuf, ldb, idx, cBuf, false);
                    context.finish();
                }, reps, warmupSeconds);
            }
        }
        return new Timing(backend.name(), variant, m, k, n, kept, flops, device, endToEnd);
    }

    private static double median(Runnable body, int reps, double warmupSeconds) {
        long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            body.run();
        } while (System.nanoTime() < until);
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long start = System.nanoTime();
            body.run();
            t[r] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(t);
        int mid = reps / 2;
        return reps % 2 == 1 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
    }
}
