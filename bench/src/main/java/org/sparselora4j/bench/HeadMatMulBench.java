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
import org.sparselora4j.tensor.kernel.HeadMatMul;
import org.sparselora4j.tensor.kernel.MatMul;

/**
 * Do the in-place head products ({@link HeadMatMul}) beat the packed GEMM ({@link MatMul}) on attention's narrow
 * products, one thread, at qwen2.5-0.5b's shape (a group of 7 query heads of size 64 on one kv head, a block of
 * 64 query positions against t1 keys)? {@code pv}: O = P·V, (448 × t1)·(t1 × 64), MatMul on the stacked rows
 * against {@code HeadMatMul.ab} per head reading V in place from the (T, 2·64) value matrix; {@code dv}: the
 * value gradient, MatMul's dVᵀ = dOᵀ·P (64 × 448)·(448 × t1) against {@code HeadMatMul.aTb}, dV += Pᵀ·dO per
 * head straight into the (T, 2·64) gradient. If MatMul won here, AttentionOps should go back to it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class HeadMatMulBench {
    private static final int GROUP = 7, BQ = 64, DH = 64, KV_WIDTH = 2 * DH, Q_WIDTH = 14 * DH;

    @Param({"256", "512"})
    int keys;

    private Tensor p, v, o, doT, dvT, kvWide, qWide, gradWide;
    private final Parallel one = new Parallel(1);

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(12);
        p = Tensor.uniform(random, 1f, GROUP * BQ, keys);
        v = Tensor.randn(random, 1f, keys, DH);
        o = Tensor.zeros(GROUP * BQ, DH);
        doT = Tensor.randn(random, 1f, DH, GROUP * BQ);
        dvT = Tensor.zeros(DH, keys);
        kvWide = Tensor.randn(random, 1f, keys, KV_WIDTH);
        qWide = Tensor.randn(random, 1f, BQ, Q_WIDTH);
        gradWide = Tensor.zeros(keys, KV_WIDTH);
    }

    @Benchmark
    public Tensor pvMatMul() {
        one.run(() -> MatMul.ab(p, v, o, false));
        return o;
    }

    @Benchmark
    public Tensor pvHead() {
        float[] out = qWide.data();
        for (int h = 0; h < GROUP; h++) {
            HeadMatMul.ab(p.data(), h * BQ * keys, keys, kvWide.data(), 0, KV_WIDTH, out, h * DH, Q_WIDTH, BQ, keys, DH, false);
        }
        return qWide;
    }

    @Benchmark
    public Tensor dvMatMul() {
        one.run(() -> MatMul.ab(doT, p, dvT, false));
        return dvT;
    }

    @Benchmark
    public Tensor dvHead() {
        for (int h = 0; h < GROUP; h++) {
            HeadMatMul.aTb(p.data(), h * BQ * keys, keys, qWide.data(), h * DH, Q_WIDTH, gradWide.data(), 0, KV_WIDTH, keys, BQ, DH, true);
        }
        return gradWide;
    }
}
