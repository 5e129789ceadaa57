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
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

/**
 * Does SIMD RoPE pay, for each pairing style, on the queries of a 512-token batch (stories15M: 6 heads of 48;
 * stories110M: 12 heads of 64)? Each call rotates forward and then back, so the input stays bounded. If a
 * style's SIMD version were no faster than its scalar twin, it should stay scalar.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class RopeBench {
    @Param({"512"})
    int rows;

    @Param({"6x48", "12x64"})
    String heads;

    @Param({"INTERLEAVED", "HALF_SPLIT"})
    Rope.Style style;

    private Rope rope;
    private Tensor x;
    private int[] positions;

    @Setup
    public void setup() {
        String[] parts = heads.split("x");
        int count = Integer.parseInt(parts[0]), headSize = Integer.parseInt(parts[1]);
        rope = new Rope(headSize, rows, 10000.0, style);
        x = Tensor.randn(new SplittableRandom(6), 1f, rows, count * headSize);
        positions = new int[rows];
        for (int r = 0; r < rows; r++) positions[r] = r;
    }

    @Benchmark
    public Tensor scalar() {
        rope.rotateScalar(x, positions, false);
        rope.rotateScalar(x, positions, true);
        return x;
    }

    @Benchmark
    public Tensor simd() {
        rope.rotate(x, positions, false);
        rope.rotate(x, positions, true);
        return x;
    }
}
