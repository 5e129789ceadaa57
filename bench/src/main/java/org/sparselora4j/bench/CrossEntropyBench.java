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
import org.sparselora4j.tensor.kernel.CrossEntropy;

/**
 * How much faster is the SIMD cross-entropy (loss and dlogits) than its scalar definition at the LM-head shape of
 * a training batch, 512 tokens over a 32000-word vocabulary, on one thread and on all cores? The scalar twin
 * calls Math.exp twice per logit in double; if the SIMD version were not several times faster on one thread,
 * the vectorized exp would not be worth its code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class CrossEntropyBench {
    @Param({"512"})
    int rows;

    @Param({"32000"})
    int vocab;

    private Tensor logits;
    private Tensor dlogits;
    private int[] targets;
    private final Parallel oneThread = new Parallel(1);

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(42);
        logits = Tensor.randn(random, 2f, rows, vocab);
        dlogits = Tensor.zeros(rows, vocab);
        targets = new int[rows];
        for (int i = 0; i < rows; i++) targets[i] = random.nextInt(vocab);
    }

    @Benchmark
    public double scalar() {
        return CrossEntropy.lossAndGradScalar(logits, targets, dlogits, 1f / rows);
    }

    @Benchmark
    public double simd() {
        return oneThread.call(() -> CrossEntropy.lossAndGrad(logits, targets, dlogits, 1f / rows));
    }

    @Benchmark
    public double simdAllCores() {
        return CrossEntropy.lossAndGrad(logits, targets, dlogits, 1f / rows);
    }

    @Benchmark
    public double lossOnlySimd() {
        return oneThread.call(() -> CrossEntropy.lossSum(logits, targets));
    }
}
