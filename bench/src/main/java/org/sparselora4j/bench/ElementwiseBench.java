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
import org.sparselora4j.tensor.kernel.Elementwise;

/**
 * Do the SIMD add and axpy beat their scalar loops, which C2 may already auto-vectorize, in cache (4096
 * elements) and out of it (4M elements, 16 MB per operand), and does a second core help a memory-bound op? If
 * the scalar loop is as fast, the SIMD version is only code to maintain.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class ElementwiseBench {
    @Param({"4096", "4194304"})
    int n;

    private Tensor a;
    private Tensor b;
    private Tensor out;
    private final Parallel oneThread = new Parallel(1);

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(5);
        a = Tensor.randn(random, 1f, n);
        b = Tensor.randn(random, 1f, n);
        out = Tensor.zeros(n);
    }

    @Benchmark
    public Tensor addScalar() {
        Elementwise.addScalar(a, b, out);
        return out;
    }

    @Benchmark
    public Tensor addSimd() {
        oneThread.run(() -> Elementwise.add(a, b, out));
        return out;
    }

    @Benchmark
    public Tensor addSimdAllCores() {
        Elementwise.add(a, b, out);
        return out;
    }

    @Benchmark
    public Tensor axpyScalar() {
        Elementwise.axpyScalar(1e-3f, a, out);
        return out;
    }

    @Benchmark
    public Tensor axpySimd() {
        oneThread.run(() -> Elementwise.axpy(1e-3f, a, out));
        return out;
    }
}
