package org.sparselora4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparselora4j.sparse.losa.CsrMatrix;
import org.sparselora4j.sparse.losa.SparseMatMul;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.Reduce;

/**
 * Does a pruned model's projection y = x·Wᵀ run faster as a CSR matmul than dense, at 50%, 70% and 90%
 * unstructured sparsity, for decoding (batch 1) and a small batch (8)? On one thread, so the kernels are compared
 * and not the thread pool. Baselines: {@code dense}, the engine's dense matmul ({@link MatMul#abT}, whatever it is
 * at the time), and {@code denseDotSimd}, one SIMD dot product per output ({@link Reduce#dot}), the dense
 * kernel a CSR one must beat. If CSR is not faster than denseDotSimd at 70%, sparse inference should stay off by
 * default below 90%.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class SparseMatMulBench {
    @Param({"1", "8"})
    int batch;

    @Param({"0.5", "0.7", "0.9"})
    double sparsity;

    /** out x in of the weight: an FFN up projection of a 768-wide model. */
    @Param({"2048x768"})
    String shape;

    private Tensor x;
    private Tensor w;
    private CsrMatrix csr;
    private Tensor out;
    private final Parallel oneThread = new Parallel(1);

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        int rows = Integer.parseInt(s[0]), cols = Integer.parseInt(s[1]);
        SplittableRandom random = new SplittableRandom(7);
        x = Tensor.randn(random, 1f, batch, cols);
        w = Tensor.randn(random, 1f, rows, cols);
        for (int i = 0; i < w.size(); i++) if (random.nextDouble() < sparsity) w.data()[i] = 0f;
        csr = CsrMatrix.of(w);
        out = Tensor.zeros(batch, rows);
    }

    @Benchmark
    public Tensor dense() {
        MatMul.abT(x, w, out, false);
        return out;
    }

    @Benchmark
    public Tensor denseDotSimd() {
        int rows = w.rows(), cols = w.cols();
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < rows; i++) out.data()[b * rows + i] = Reduce.dot(x.data(), b * cols, w.data(), i * cols, cols);
        }
        return out;
    }

    @Benchmark
    public Tensor csrScalar() {
        SparseMatMul.abTScalar(x, csr, out);
        return out;
    }

    @Benchmark
    public Tensor csrSimd() {
        oneThread.run(() -> SparseMatMul.abT(x, csr, out));
        return out;
    }
}
