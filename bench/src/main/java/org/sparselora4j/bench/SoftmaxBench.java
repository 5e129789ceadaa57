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
import org.sparselora4j.tensor.kernel.Softmax;

/**
 * How much faster is the SIMD in-place softmax than its scalar definition on one window, at attention-row
 * lengths (256, 1024) and a vocabulary row (32000)? Each call overwrites the window with a softmax, so the
 * input is reset from a saved copy first (the copy is a small part of the time and the same in both).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class SoftmaxBench {
    @Param({"256", "1024", "32000"})
    int n;

    private float[] input;
    private float[] x;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(1);
        input = new float[n];
        for (int i = 0; i < n; i++) input[i] = (float) (random.nextDouble() * 20 - 10);
        x = new float[n];
    }

    @Benchmark
    public float[] scalar() {
        System.arraycopy(input, 0, x, 0, n);
        Softmax.inPlaceScalar(x, 0, n);
        return x;
    }

    @Benchmark
    public float[] simd() {
        System.arraycopy(input, 0, x, 0, n);
        Softmax.inPlace(x, 0, n);
        return x;
    }
}
