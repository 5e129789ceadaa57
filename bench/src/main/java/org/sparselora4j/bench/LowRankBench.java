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
import org.sparselora4j.tensor.kernel.LowRank;
import org.sparselora4j.tensor.kernel.MatMul;

/**
 * How much faster are the rank-r LoRA kernels ({@link LowRank}) than the matmuls they replaced, for one LoRA layer's
 * branch (512 rows, rank 8, in → out as qwen2.5-0.5b's q (896 → 896) and up (896 → 4864) projections), forward
 * (u = s·x·Aᵀ, y += u·Bᵀ) and backward (du = dy·B, dB = dyᵀ·u, dx += du·A, dA = duᵀ·x), on 2 threads?
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class LowRankBench {
    @Param({"512"})
    int rows;

    @Param({"8"})
    int rank;

    @Param({"896:896", "896:4864"})
    String shape;

    private Tensor x, a, b, bt, y, dy, u, du, dx, da, db, dbt;
    private final Parallel threads = new Parallel(2);

    @Setup
    public void setup() {
        int in = Integer.parseInt(shape.split(":")[0]), out = Integer.parseInt(shape.split(":")[1]);
        SplittableRandom random = new SplittableRandom(8);
        x = Tensor.randn(random, 1f, rows, in);
        a = Tensor.randn(random, 0.03f, rank, in);
        b = Tensor.randn(random, 0.03f, out, rank);
        bt = LowRank.transpose(b);
        y = Tensor.randn(random, 1f, rows, out);
        dy = Tensor.randn(random, 1f, rows, out);
        u = Tensor.zeros(rows, rank);
        du = Tensor.zeros(rows, rank);
        dx = Tensor.zeros(rows, in);
        da = Tensor.zeros(rank, in);
        db = Tensor.zeros(out, rank);
        dbt = Tensor.zeros(rank, out);
    }

    @Benchmark
    public Tensor forwardMatMul() {
        threads.run(() -> {
            MatMul.abT(x, a, u, false);
            MatMul.abT(u, b, y, true);
        });
        return y;
    }

    @Benchmark
    public Tensor forwardLowRank() {
        threads.run(() -> {
            LowRank.project(x, a, 2f, u, false);
            LowRank.expand(u, LowRank.transpose(b), y);
        });
        return y;
    }

    @Benchmark
    public Tensor backwardMatMul() {
        threads.run(() -> {
            MatMul.ab(dy, b, du, false);
            MatMul.aTb(dy, u, db, true);
            MatMul.ab(du, a, dx, true);
            MatMul.aTb(du, x, da, true);
        });
        return dx;
    }

    @Benchmark
    public Tensor backwardLowRank() {
        threads.run(() -> {
            LowRank.project(dy, bt, 1f, du, false);
            LowRank.gradient(u, dy, dbt);
            LowRank.expand(du, a, dx);
            LowRank.gradient(du, x, da);
        });
        return dx;
    }
}
