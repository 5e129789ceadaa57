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
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Does a gathered matmul's time scale with the fraction of channels it keeps? Each {@code op} is timed
 * gathered and as the dense matmul of the same full shape (n tokens × in × out = 2048×768×2048) and layout.
 * SparseLoRA only pays off if gathered/dense ≈ keep: above 0.55 at keep 0.5 or above 0.15 at keep 0.1 means
 * the gather (packing) costs too much and the sparse path needs a different design (e.g. gathering once per
 * step). Keep 0.01 (20 or 8 channels: the paper-math10k FFN keeps 1%) takes {@code NarrowGathered}'s rank-r path
 * for rowsAbT and colsAb. {@code scalar} is the gathered scalar twin on a small shape (64 tokens), the floor the SIMD path
 * must clear.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GatheredMatMulBench {

    /** x (n,in), w (out,in), dy (n,out), the index and the compact operands of one op. */
    abstract static class Operands {
        static final int IN = 768;
        static final int OUT = 2048;
        String op;
        Tensor x;
        Tensor w;
        Tensor dy;
        Tensor dyKept;
        Index index;
        Tensor gatheredOut;
        Tensor denseOut;

        void build(String op, double keep, int tokens) {
            this.op = op;
            SplittableRandom random = new SplittableRandom(1);
            x = Tensor.randn(random, 1f, tokens, IN);
            w = Tensor.randn(random, 1f, OUT, IN);
            dy = Tensor.randn(random, 1f, tokens, OUT);
            int total = op.startsWith("rows") ? OUT : IN;
            index = randomIndex(random, total, Math.max(1, (int) Math.round(keep * total)));
            dyKept = Tensor.randn(random, 1f, tokens, index.size());
            gatheredOut = switch (op) {
                case "rowsAbT", "colsAb" -> Tensor.zeros(tokens, index.size());
                case "colsAbT" -> Tensor.zeros(tokens, OUT);
                default -> Tensor.zeros(tokens, IN);
            };
            denseOut = Tensor.zeros(tokens, op.endsWith("AbT") ? OUT : IN);
        }

        static Index randomIndex(SplittableRandom random, int total, int kept) {
            int[] all = new int[total];
            for (int i = 0; i < total; i++) all[i] = i;
            for (int i = 0; i < kept; i++) {
                int j = i + random.nextInt(total - i);
                int t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
            int[] chosen = Arrays.copyOf(all, kept);
            Arrays.sort(chosen);
            return new Index(chosen);
        }
    }

    /** The training shape: 2048 tokens. */
    @State(Scope.Benchmark)
    public static class Case extends Operands {
        @Param({"rowsAbT", "colsAbT", "rowsAb", "colsAb"})
        String gather;
        @Param({"0.01", "0.1", "0.5", "1.0"})
        double keep;

        @Setup
        public void setup() {
            build(gather, keep, 2048);
        }
    }

    /** 64 tokens: small enough for the scalar twin. */
    @State(Scope.Benchmark)
    public static class SmallCase extends Operands {
        @Param({"rowsAbT", "colsAbT", "rowsAb", "colsAb"})
        String gather;
        @Param({"0.1", "0.5"})
        double keep;

        @Setup
        public void setup() {
            build(gather, keep, 64);
        }
    }

    @Benchmark
    public Tensor gathered(Case c) {
        return gatheredOp(c);
    }

    private static Tensor gatheredOp(Operands c) {
        switch (c.op) {
            case "rowsAbT" -> GatheredMatMul.rowsAbT(c.x, c.w, c.index, c.gatheredOut, false);
            case "colsAbT" -> GatheredMatMul.colsAbT(c.x, c.w, c.index, false, c.gatheredOut, false);
            case "rowsAb" -> GatheredMatMul.rowsAb(c.dyKept, c.w, c.index, c.gatheredOut, false);
            default -> GatheredMatMul.colsAb(c.dy, c.w, c.index, c.gatheredOut, false);
        }
        return c.gatheredOut;
    }

    /** The dense product of the full shape in the same layout: the time that keep = 1 should match. */
    @Benchmark
    public Tensor dense(Case c) {
        if (c.op.endsWith("AbT")) MatMul.abT(c.x, c.w, c.denseOut, false);
        else MatMul.ab(c.dy, c.w, c.denseOut, false);
        return c.denseOut;
    }

    @Benchmark
    public Tensor gatheredSmall(SmallCase c) {
        return gatheredOp(c);
    }

    /** The gathered scalar twin: the baseline of the SIMD path at a small size. */
    @Benchmark
    public Tensor scalarSmall(SmallCase c) {
        switch (c.op) {
            case "rowsAbT" -> GatheredMatMul.rowsAbTScalar(c.x, c.w, c.index, c.gatheredOut, false);
            case "colsAbT" -> GatheredMatMul.colsAbTScalar(c.x, c.w, c.index, false, c.gatheredOut, false);
            case "rowsAb" -> GatheredMatMul.rowsAbScalar(c.dyKept, c.w, c.index, c.gatheredOut, false);
            default -> GatheredMatMul.colsAbScalar(c.dy, c.w, c.index, c.gatheredOut, false);
        }
        return c.gatheredOut;
    }
}
