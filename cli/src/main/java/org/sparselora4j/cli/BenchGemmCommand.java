package org.sparselora4j.cli;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.opencl.MatMulVariant;
import org.sparselora4j.opencl.OpenClBackend;
import org.sparselora4j.opencl.OpenClGemmTimer;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.ElementType;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.PackedMatrix;
import org.sparselora4j.tensor.kernel.Quantize;
import org.sparselora4j.tensor.kernel.GatheredMatMul;
import org.sparselora4j.tensor.kernel.GemmPlan;
import org.sparselora4j.tensor.kernel.MatMul;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code bench gemm}: median time of one M×K×N product in a given layout, or of a gathered product that keeps a
 * fraction of W's rows or columns, timed beside the dense product of the same shape.
 */
final class BenchGemmCommand implements Command {
    enum Layout { AB, ABT, ATB }

    enum GatherMode { ROWS, COLS }

    @Override
    public String name() {
        return "bench gemm";
    }

    @Override
    public String summary() {
        return "median ms and GFLOP/s of one M×K×N matmul (or a gathered one with --keep)";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("m", "rows of the activation (tokens), default 2048"),
                Args.Flag.value("k", "inner dimension (in features), default 768"),
                Args.Flag.value("n", "output columns (out features), default 2048"),
                Args.Flag.value("layout", "ab | abT | aTb (default abT: a linear layer's forward x·Wᵀ)"),
                Args.Flag.value("threads", "threads to use (default: all cores)"),
                Args.Flag.value("weights", "time B stored as f32 | bf16 | f16 | q8_0 | q4_0 | q4_k | q6_k (decoded while packing) beside float32 packed ahead and per call"),
                Args.Flag.value("keep", "time the gathered matmul keeping this fraction of W's rows or columns (0, 1]"),
                Args.Flag.value("gather", "rows | cols: which channels of W --keep selects (default rows)"),
                Args.Flag.value("reps", "timed repetitions after warm-up (default 15)"),
                Args.Flag.value("warmup-s", "seconds of warm-up before timing (default 3)"),
                BackendFlag.FLAG);
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        int m = args.integer("m", 2048, 1, 1 << 20);
        int k = args.integer("k", 768, 1, 1 << 20);
        int n = args.integer("n", 2048, 1, 1 << 20);
        Layout layout = args.choice("layout", Layout.class, Layout.ABT);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        int reps = args.integer("reps", 15, 1, 100_000);
        double warmup = args.number("warmup-s", 3, 0, 3600);
        boolean gathered = args.has("keep");
        double keep = args.number("keep", 1, 1e-9, 1);
        GatherMode mode = args.choice("gather", GatherMode.class, GatherMode.ROWS);
        if (args.has("gather") && !gathered) throw new UsageException("bench gemm: --gather needs --keep");
        if (gathered && layout != Layout.ABT) throw new UsageException("bench gemm: --keep times the forward layout abT only");
        if ((long) m * k + (long) k * n + (long) m * n > Integer.MAX_VALUE / 2) {
            throw new UsageException("bench gemm: --m/--k/--n give matrices too large for one run");
        }

        SplittableRandom random = new SplittableRandom(42);
        Parallel parallel = new Parallel(threads);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("bench", "gemm");
        result.put("layout", layout.name().equals("ABT") ? "abT" : layout.name().equals("ATB") ? "aTb" : "ab");
        result.put("m", m);
        result.put("k", k);
        result.put("n", n);
        double flops = 2.0 * m * k * n;
        try (Backend backend = BackendFlag.open(args, name(), err)) {
            result.put("backend", backend.name());
            if (backend instanceof OpenClBackend device) {
                device(device, layout, mode, gathered, keep, m, k, n, reps, warmup, result);
                out.println(Json.write(result));
                return 0;
            }
        }
        result.put("threads", threads);
        GemmPlan plan = GemmPlan.current();
        result.put("tile", plan.mr() + "x" + MatMul.tileColumns());
        result.put("blocks", "kc " + plan.kc() + ", mc " + plan.mc() + ", nc " + plan.nc());
        if (args.has("weights")) {
            ElementType type = BenchStepCommand.weightType(args, name());
            if (gathered || layout == Layout.ATB) throw new UsageException("bench gemm: --weights times a frozen weight's dense products, abT or ab");
            compact(type, layout, m, k, n, reps, warmup, parallel, random, result);
            out.println(Json.write(result));
            return 0;
        }
        if (!gathered) {
            Tensor a = layout == Layout.ATB ? Tensor.randn(random, 1, k, m) : Tensor.randn(random, 1, m, k);
            Tensor b = layout == Layout.ABT ? Tensor.randn(random, 1, n, k) : Tensor.randn(random, 1, k, n);
            Tensor c = Tensor.zeros(m, n);
            Runnable body = switch (layout) {
                case AB -> () -> MatMul.ab(a, b, c, false);
                case ABT -> () -> MatMul.abT(a, b, c, false);
                case ATB -> () -> MatMul.aTb(a, b, c, false);
            };
            double ms = parallel.call(() -> medianMs(body, reps, warmup));
            result.put("ms", round(ms));
            result.put("gflops", round(flops / ms / 1e6));
        } else {
            Tensor x = Tensor.randn(random, 1, m, k);
            Tensor w = Tensor.randn(random, 1, n, k);
            int total = mode == GatherMode.ROWS ? n : k;
            int kept = Math.max(1, (int) Math.round(total * keep));
            Index index = randomIndex(random, total, kept);
            Tensor dense = Tensor.zeros(m, n);
            Tensor sparse = Tensor.zeros(m, mode == GatherMode.ROWS ? kept : n);
            Runnable denseBody = () -> MatMul.abT(x, w, dense, false);
            Runnable sparseBody = mode == GatherMode.ROWS
                    ? () -> GatheredMatMul.rowsAbT(x, w, index, sparse, false)
                    : () -> GatheredMatMul.colsAbT(x, w, index, false, sparse, false);
            // Interleave dense and gathered rounds so both see the same machine state.
            double[] times = parallel.call(() -> {
                medianMs(denseBody, 1, warmup / 2);
                medianMs(sparseBody, 1, warmup / 2);
                double[] d = new double[reps], s = new double[reps];
                for (int r = 0; r < reps; r++) {
                    d[r] = timeMs(denseBody);
                    s[r] = timeMs(sparseBody);
                }
                return new double[] {median(d), median(s)};
            });
            double gflopsKept = flops * kept / total;
            result.put("gather", mode.name().toLowerCase());
            result.put("keep", keep);
            result.put("kept", kept);
            result.put("ms", round(times[1]));
            result.put("gflops", round(gflopsKept / times[1] / 1e6));
            result.put("dense_ms", round(times[0]));
            result.put("dense_gflops", round(flops / times[0] / 1e6));
            result.put("time_ratio", round(times[1] / times[0]));
        }
        out.println(Json.write(result));
        return 0;
    }

    /**
     * The product on an OpenCL device: {@code ms} and {@code gflops} end to end (upload of the activation, kernel,
     * read-back; the weight cached on the device as in training), {@code device_ms} the kernel alone.
     */
    private static void device(OpenClBackend backend, Layout layout, GatherMode mode, boolean gathered, double keep, int m, int k, int n,
                               int reps, double warmup, Map<String, Object> result) {
        OpenClGemmTimer.Timing t;
        if (!gathered) {
            MatMulVariant variant = switch (layout) {
                case AB -> MatMulVariant.AB;
                case ABT -> MatMulVariant.AB_T;
                case ATB -> MatMulVariant.AT_B;
            };
            t = OpenClGemmTimer.dense(backend, variant, m, k, n, reps, warmup);
        } else {
            int total = mode == GatherMode.ROWS ? n : k;
            int kept = Math.max(1, (int) Math.round(total * keep));
            Index index = randomIndex(new SplittableRandom(42), total, kept);
            MatMulVariant variant = mode == GatherMode.ROWS ? MatMulVariant.ROWS_AB_T : MatMulVariant.COLS_AB_T;
            t = OpenClGemmTimer.gathered(backend, variant, m, k, n, index, reps, warmup / 2);
            OpenClGemmTimer.Timing dense = OpenClGemmTimer.dense(backend, MatMulVariant.AB_T, m, k, n, reps, warmup / 2);
            result.put("gather", mode.name().toLowerCase());
            result.put("keep", keep);
            result.put("kept", kept);
            result.put("dense_ms", round(dense.endToEndMs()));
            result.put("dense_device_ms", round(dense.deviceMs()));
            result.put("time_ratio", round(t.endToEndMs() / dense.endToEndMs()));
        }
        result.put("ms", round(t.endToEndMs()));
        result.put("gflops", round(t.endToEndGflops()));
        result.put("device_ms", round(t.deviceMs()));
        result.put("device_gflops", round(t.deviceGflops()));
    }

    /**
     * A frozen weight stored as {@code type} beside its float32 self, in the same rounds: {@code ms} the compact
     * weight decoded while packing, {@code f32_packed_ms} the float32 weight packed once ahead (what training
     * keeps, within its budget), {@code f32_ms} the float32 weight packed per call; for BF16/F16 also
     * {@code packed_ms}, the compact weight packed once ahead in 16-bit panels (what training keeps for x·wᵀ).
     */
    private static void compact(ElementType type, Layout layout, int m, int k, int n, int reps, double warmup, Parallel parallel,
                                SplittableRandom random, Map<String, Object> result) {
        Tensor a = Tensor.randn(random, 1, m, k);
        Tensor w = layout == Layout.ABT ? Tensor.randn(random, 0.02f, n, k) : Tensor.randn(random, 0.02f, k, n);
        Tensor wc = Quantize.toType(w, type);
        PackedMatrix packed = layout == Layout.ABT ? PackedMatrix.transposed(w) : PackedMatrix.rowMajor(w);
        Tensor c = Tensor.zeros(m, n);
        Runnable compactBody = layout == Layout.ABT ? () -> MatMul.abT(a, wc, c, false) : () -> MatMul.ab(a, wc, c, false);
        Runnable packedBody = () -> MatMul.multiply(a, packed, c, false);
        Runnable plainBody = layout == Layout.ABT ? () -> MatMul.abT(a, w, c, false) : () -> MatMul.ab(a, w, c, false);
        PackedMatrix compactPacked = !PackedMatrix.packsCompact(type) ? null
                : layout == Layout.ABT ? PackedMatrix.transposed(wc) : PackedMatrix.rowMajor(wc);
        Runnable compactPackedBody = compactPacked == null ? () -> { } : () -> MatMul.multiply(a, compactPacked, c, false);
        double[] times = parallel.call(() -> {
            medianMs(compactBody, 1, warmup / 4);
            medianMs(packedBody, 1, warmup / 4);
            medianMs(plainBody, 1, warmup / 4);
            if (compactPacked != null) medianMs(compactPackedBody, 1, warmup / 4);
            double[] t0 = new double[reps], t1 = new double[reps], t2 = new double[reps], t3 = new double[reps];
            for (int r = 0; r < reps; r++) {
                t0[r] = timeMs(compactBody);
                t1[r] = timeMs(packedBody);
                t2[r] = timeMs(plainBody);
                if (compactPacked != null) t3[r] = timeMs(compactPackedBody);
            }
            return new double[] {median(t0), median(t1), median(t2), median(t3)};
        });
        double flops = 2.0 * m * k * n;
        result.put("weights", type.name().toLowerCase(java.util.Locale.ROOT));
        result.put("ms", round(times[0]));
        result.put("gflops", round(flops / times[0] / 1e6));
        result.put("f32_packed_ms", round(times[1]));
        result.put("f32_ms", round(times[2]));
        result.put("ratio_to_f32_packed", round(times[0] / times[1]));
        result.put("ratio_to_f32", round(times[0] / times[2]));
        if (compactPacked != null) {
            result.put("packed_ms", round(times[3]));
            result.put("packed_ratio_to_f32_packed", round(times[3] / times[1]));
        }
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

    private static double medianMs(Runnable body, int reps, double warmupSeconds) {
        long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            body.run();
        } while (System.nanoTime() < until);
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) t[r] = timeMs(body);
        return median(t);
    }

    private static double timeMs(Runnable body) {
        long start = System.nanoTime();
        body.run();
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
