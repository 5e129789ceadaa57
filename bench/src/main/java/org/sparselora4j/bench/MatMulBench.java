package org.sparselora4j.bench;

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
import org.sparselora4j.tensor.kernel.GemmPlan;
import org.sparselora4j.tensor.kernel.Machine;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.PackedMatrix;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Does the packed Vector API GEMM reach OpenBLAS (peers/openblas-sgemm.sh, same machine, same thread count) at
 * the training shapes in all three layouts, and is the unpacked small path right below its threshold? Shapes
 * are M×K×N of out(M,N) = a·b in the given layout (abT: forward x·Wᵀ, ab: dy·W, aTb: dyᵀ·x). GFLOP/s =
 * 2·M·K·N / time. A training shape below 0.9× OpenBLAS, or one layout far behind the others, means the
 * kernel or the packing of that layout needs work; a small shape where {@code scalar} beats {@code simd}
 * means the small path's threshold or form is wrong. {@code packingOnCall} beside {@code prepacked} is what packing a
 * frozen weight once ({@code PackedMatrix}) saves per product, at a training step's shapes: stories110M's
 * projections and classifier (512 rows), qwen2.5-0.5b's on SparseLoRA's 128 output-token rows and its 128-wide
 * k/v projection. Uses all cores ({@code Parallel.current()}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class MatMulBench {

    /** Operands for out(M,N) in one layout. */
    abstract static class Operands {
        Tensor a;
        Tensor b;
        Tensor out;

        void build(String shape, String layout) {
            String[] d = shape.split("x");
            int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
            SplittableRandom random = new SplittableRandom(1);
            a = layout.equals("aTb") ? Tensor.randn(random, 1f, k, m) : Tensor.randn(random, 1f, m, k);
            b = layout.equals("abT") ? Tensor.randn(random, 1f, n, k) : Tensor.randn(random, 1f, k, n);
            out = Tensor.zeros(m, n);
        }

        Tensor simd(String layout) {
            switch (layout) {
                case "abT" -> MatMul.abT(a, b, out, false);
                case "ab" -> MatMul.ab(a, b, out, false);
                default -> MatMul.aTb(a, b, out, false);
            }
            return out;
        }
    }

    /** The training shapes of the targets (issue 12: 2048x768x2048, 2048x2048x5632, 512x2048x8192); too large for the scalar twin. */
    @State(Scope.Benchmark)
    public static class Large extends Operands {
        @Param({"2048x768x2048", "2048x2048x5632", "512x2048x8192", "2048x288x768"})
        String shape;
        @Param({"abT", "ab", "aTb"})
        String layout;

        @Setup
        public void setup() {
            build(shape, layout);
        }
    }

    /** Decode (M = 1), LoRA rank-8 factors, and a small cube: where the unpacked path or the scalar twin decide. */
    @State(Scope.Benchmark)
    public static class Small extends Operands {
        @Param({"1x768x2048", "64x64x64", "2048x8x768", "2048x768x8", "256x256x256"})
        String shape;
        @Param({"abT", "ab", "aTb"})
        String layout;

        @Setup
        public void setup() {
            build(shape, layout);
        }
    }

    @Benchmark
    public Tensor simdLarge(Large s) {
        return s.simd(s.layout);
    }

    /**
     * The forward layout at the training shapes with each register tile and two depths of k block: do the tile
     * {@code GemmPlan.forMachine} picks (12 rows with 32 vector registers, 6 with 16) and its kc (768 on a 1 MiB
     * L2) beat the others here, and do stretched blocks ({@code GemmPlan.stretch}: k = 896 and m = 128 one block
     * each) beat the strict cut? mc follows kc as the plan sizes it (the A block in 3/8 of L2).
     */
    @State(Scope.Benchmark)
    public static class Tiles extends Operands {
        @Param({"2048x768x2048", "2048x2048x5632", "512x2048x8192", "128x896x4864"})
        String shape;
        @Param({"6", "12"})
        int tileRows;
        @Param({"384", "768"})
        int kc;
        @Param({"true", "false"})
        boolean stretch;
        GemmPlan plan;

        @Setup
        public void setup() {
            build(shape, "abT");
            GemmPlan base = GemmPlan.forTile(tileRows, Machine.current());
            long rows = Machine.current().l2() * 3 / 8 / ((long) kc * Float.BYTES);
            int mc = (int) Math.max(tileRows, Math.min(4096, rows) / tileRows * tileRows);
            plan = new GemmPlan(tileRows, kc, mc, base.nc(), stretch);
        }
    }

    @Benchmark
    public Tensor tile(Tiles s) {
        MatMul.abT(s.a, s.b, s.out, false, s.plan);
        return s.out;
    }

    /** The frozen-weight layouts (abT: x·Wᵀ, ab: dy·W) with W packed once beforehand, as a training backend keeps it. */
    @State(Scope.Benchmark)
    public static class Packed extends Operands {
        @Param({"512x768x768", "512x2048x768", "512x768x32000", "128x896x4864", "128x4864x896", "512x896x128"})
        String shape;
        @Param({"abT", "ab"})
        String layout;
        PackedMatrix packed;

        @Setup
        public void setup() {
            build(shape, layout);
            packed = layout.equals("abT") ? PackedMatrix.transposed(b) : PackedMatrix.rowMajor(b);
        }
    }

    /** x·Wᵀ or dy·W packing W on the call, beside {@link #prepacked} on the same operands. */
    @Benchmark
    public Tensor packingOnCall(Packed s) {
        return s.simd(s.layout);
    }

    /** The same product from the packed copy: the difference is the packing a training step no longer repeats. */
    @Benchmark
    public Tensor prepacked(Packed s) {
        MatMul.multiply(s.a, s.packed, s.out, false);
        return s.out;
    }

    @Benchmark
    public Tensor simdSmall(Small s) {
        return s.simd(s.layout);
    }

    @Benchmark
    public Tensor scalarSmall(Small s) {
        switch (s.layout) {
            case "abT" -> MatMul.abTScalar(s.a, s.b, s.out, false);
            case "ab" -> MatMul.abScalar(s.a, s.b, s.out, false);
            default -> MatMul.aTbScalar(s.a, s.b, s.out, false);
        }
        return s.out;
    }
}
