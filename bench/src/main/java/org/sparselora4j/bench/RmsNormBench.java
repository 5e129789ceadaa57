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
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.RmsNorm;

/**
 * How much faster are the SIMD RMSNorm forward and input backward than their scalar definitions at the
 * activation shapes of a 512-token batch (dim 288 for stories15M, 768 for stories110M, 4096 for 7B), on one
 * thread and on all cores? The norm is memory-light and O(n·d), so the answer decides whether it can be left
 * out of a training-step profile.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class RmsNormBench {
    @Param({"512"})
    int rows;

    @Param({"288", "768", "4096"})
    int dim;

    private Tensor x;
    private Tensor w;
    private Tensor out;
    private Tensor dy;
    private Tensor dx;
    private float[] invRms;
    private final Parallel oneThread = new Parallel(1);

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(3);
        x = Tensor.randn(random, 1f, rows, dim);
        w = Tensor.randn(random, 1f, dim);
        dy = Tensor.randn(random, 1f, rows, dim);
        out = Tensor.zeros(rows, dim);
        dx = Tensor.zeros(rows, dim);
        invRms = RmsNorm.forwardScalar(x, w, 1e-5f, out);
    }

    @Benchmark
    public float[] forwardScalar() {
        return RmsNorm.forwardScalar(x, w, 1e-5f, out);
    }

    @Benchmark
    public float[] forwardSimd() {
        return oneThread.call(() -> RmsNorm.forward(x, w, 1e-5f, out));
    }

    @Benchmark
    public float[] forwardSimdAllCores() {
        return RmsNorm.forward(x, w, 1e-5f, out);
    }

    @Benchmark
    public Tensor backwardInputScalar() {
        RmsNorm.backwardInputScalar(dy, x, w, invRms, dx, false);
        return dx;
    }

    @Benchmark
    public Tensor backwardInputSimd() {
        oneThread.run(() -> RmsNorm.backwardInput(dy, x, w, invRms, dx, false));
        return dx;
    }
}
