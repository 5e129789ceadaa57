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
import org.sparselora4j.tensor.kernel.SwiGlu;

/**
 * How much faster are the SIMD SwiGLU forward and backward than their scalar definitions (Math.exp in double)
 * on the FFN activations of a 512-token batch (hidden 768 for stories15M, 2048 for stories110M), on one thread
 * and on all cores?
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class SwiGluBench {
    @Param({"512"})
    int rows;

    @Param({"768", "2048"})
    int hidden;

    private Tensor gate;
    private Tensor up;
    private Tensor out;
    private Tensor dy;
    private Tensor dgate;
    private Tensor dup;
    private final Parallel oneThread = new Parallel(1);

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(4);
        gate = Tensor.randn(random, 2f, rows, hidden);
        up = Tensor.randn(random, 1f, rows, hidden);
        dy = Tensor.randn(random, 1f, rows, hidden);
        out = Tensor.zeros(rows, hidden);
        dgate = Tensor.zeros(rows, hidden);
        dup = Tensor.zeros(rows, hidden);
    }

    @Benchmark
    public Tensor forwardScalar() {
        SwiGlu.forwardScalar(gate, up, out);
        return out;
    }

    @Benchmark
    public Tensor forwardSimd() {
        oneThread.run(() -> SwiGlu.forward(gate, up, out));
        return out;
    }

    @Benchmark
    public Tensor forwardSimdAllCores() {
        SwiGlu.forward(gate, up, out);
        return out;
    }

    @Benchmark
    public Tensor backwardScalar() {
        SwiGlu.backwardScalar(gate, up, dy, dgate, dup);
        return dgate;
    }

    @Benchmark
    public Tensor backwardSimd() {
        oneThread.run(() -> SwiGlu.backward(gate, up, dy, dgate, dup));
        return dgate;
    }
}
