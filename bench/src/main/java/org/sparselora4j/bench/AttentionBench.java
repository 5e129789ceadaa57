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
import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * How long does one layer's training attention ({@link AttentionOps#attention}, forward and backward, causal,
 * grouped-query, head size 64) take on 2 threads at the step shapes: qwen2.5-0.5b (1 × 512, 14 heads on 2 kv
 * heads), llama3.2-1b (1 × 512, 32 on 8), stories110M (2 × 256, 12 heads)? Its FLOPs are 2·64 per scored pair
 * and product, 7 products ({@link AttentionOps#scoredPairs}); a time far above FLOPs / the GEMM's rate points
 * at the work around the products.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class AttentionBench {
    /** batch:time:heads:kvHeads. */
    @Param({"1:512:14:2", "1:512:32:8", "2:256:12:12"})
    String shape;

    private int batch, time, heads, kvHeads;
    private Var q, k, v;
    private Tensor dy;
    private final Parallel threads = new Parallel(2);

    @Setup
    public void setup() {
        String[] s = shape.split(":");
        batch = Integer.parseInt(s[0]);
        time = Integer.parseInt(s[1]);
        heads = Integer.parseInt(s[2]);
        kvHeads = Integer.parseInt(s[3]);
        SplittableRandom random = new SplittableRandom(5);
        q = Var.parameter(Tensor.randn(random, 1f, batch * time, heads * 64));
        k = Var.parameter(Tensor.randn(random, 1f, batch * time, kvHeads * 64));
        v = Var.parameter(Tensor.randn(random, 1f, batch * time, kvHeads * 64));
        dy = Tensor.randn(random, 1f, batch * time, heads * 64);
    }

    @Benchmark
    public Tensor forwardBackward() {
        q.zeroGrad();
        k.zeroGrad();
        v.zeroGrad();
        threads.run(() -> Tape.backward(AttentionOps.attention(q, k, v, batch, time, heads, kvHeads), dy, false));
        return q.grad();
    }
}
