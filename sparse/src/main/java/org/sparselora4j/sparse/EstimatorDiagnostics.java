package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Gather;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.SwiGlu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Estimator fidelity (METHODS.md 3.1 setup 1): for one batch, per layer and module, how well the SVD predictor's
 * channels match the oracle's (recall@k = |predicted ∩ oracle| / |oracle|) and what dropping the other channels
 * does to the module's output, ||Y_sparse − Y_dense|| / ||Y_dense||, for SVD, oracle and random selection.
 * Y is the FFN output through Wdown; for q, k, v the projection output with dropped channels zero-filled; for o
 * Wo's output with only the kept input columns. Every layer sees the dense model's activations.
 */
public final class EstimatorDiagnostics {
    /** The modules a sparse layer slices. */
    public enum Module { FFN, Q, K, V, O }

    /**
     * One layer and module. {@code kept} of {@code channels} are computed (for o under the reference mapping, the
     * kept count is that of v, in kv space). Two reference points bound what a batch-level predictor can reach:
     * {@code recallMeanInput}, the recall of the exact weights on the sequence-mean input (the FFN predictor's
     * input under {@link FfnScoring#MEAN}; NaN for attention), which separates the averaging error from the rank
     * error; and {@code oracleSplitHalf}, the recall of the oracle on the first half of the samples against the
     * oracle on the second half (NaN for a batch of one), i.e. how much the oracle set itself moves from batch to
     * batch.
     */
    public record Row(int layer, Module module, int kept, int channels, double recallSvd, double recallRandom,
                      double recallMeanInput, double oracleSplitHalf, double errorSvd, double errorOracle, double errorRandom) {
    }

    /**
     * What the predictor costs next to the layer it serves, per layer: measured milliseconds (median of repeats,
     * on this machine's kernels) and analytic FLOPs (multiply-add = 2) of a dense forward of the whole block.
     */
    public record Cost(double predictorMs, double layerForwardMs, double predictorFlops, double layerForwardFlops) {
        public double timeRatio() {
            return predictorMs / layerForwardMs;
        }

        public double flopRatio() {
            return predictorFlops / layerForwardFlops;
        }
    }

    /** The whole report: settings, rows (layer-major), and the cost. */
    public record Report(LlamaConfig config, double sparsity, int rank, GqaMapping mapping, FfnScoring ffnScoring, int batchSize, int seqLen,
                         List<Row> rows, Cost cost) {
        public Report {
            rows = List.copyOf(rows);
        }

        /** Mean over layers of each module's SVD recall. */
        public double meanRecallSvd(Module module) {
            return rows.stream().filter(r -> r.module() == module).mapToDouble(Row::recallSvd).average().orElse(Double.NaN);
        }

        /** A JSON-ready map: settings, one object per row, per-module means, cost. */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("sparsity", sparsity);
            json.put("rank", rank);
            json.put("gqaMapping", mappingName(mapping));
            json.put("ffnScoring", ffnScoring.cliName());
            json.put("batch", batchSize);
            json.put("seq", seqLen);
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("dim", config.dim());
            model.put("hiddenDim", config.hiddenDim());
            model.put("layers", config.layers());
            model.put("heads", config.heads());
            model.put("kvHeads", config.kvHeads());
            json.put("model", model);
            List<Object> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layer", r.layer());
                m.put("module", r.module().name().toLowerCase(Locale.ROOT));
                m.put("kept", r.kept());
                m.put("channels", r.channels());
                m.put("recall", orderedMap("svd", r.recallSvd(), "random", r.recallRandom(), "meanInputOracle", r.recallMeanInput(),
                        "oracleSplitHalf", r.oracleSplitHalf()));
                m.put("error", orderedMap("svd", r.errorSvd(), "oracle", r.errorOracle(), "random", r.errorRandom()));
                list.add(m);
            }
            json.put("rows", list);
            Map<String, Object> means = new LinkedHashMap<>();
            for (Module module : Module.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("recallSvd", meanRecallSvd(module));
                m.put("recallRandom", mean(module, Row::recallRandom));
                m.put("recallMeanInputOracle", mean(module, Row::recallMeanInput));
                m.put("oracleSplitHalf", mean(module, Row::oracleSplitHalf));
                m.put("errorSvd", mean(module, Row::errorSvd));
                m.put("errorOracle", mean(module, Row::errorOracle));
                m.put("errorRandom", mean(module, Row::errorRandom));
                means.put(module.name().toLowerCase(Locale.ROOT), m);
            }
            json.put("mean", means);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("predictorMsPerLayer", cost.predictorMs());
            c.put("layerForwardMsPerLayer", cost.layerForwardMs());
            c.put("timeRatio", cost.timeRatio());
            c.put("predictorFlopsPerLayer", cost.predictorFlops());
            c.put("layerForwardFlopsPerLayer", cost.layerForwardFlops());
            c.put("flopRatio", cost.flopRatio());
            json.put("cost", c);
            return json;
        }

        /** An aligned text table, one line per layer and module, then the means and the cost. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "estimator fidelity: sparsity %.2f, rank %d, GQA mapping %s, batch %d x %d tokens, FFN scoring %s%n",
                    sparsity, rank, mappingName(mapping), batchSize, seqLen, ffnScoring.cliName()));
            sb.append(String.format(Locale.ROOT, "%5s  %-6s  %11s  %10s  %11s  %11s  %10s  %8s  %10s  %8s%n", "layer", "module", "kept",
                    "recall svd", "recall rand", "recall mean", "oracle 1/2", "err svd", "err oracle", "err rand"));
            for (Row r : rows) {
                sb.append(line(Integer.toString(r.layer()), r.module(), r.kept() + "/" + r.channels(), r.recallSvd(), r.recallRandom(),
                        r.recallMeanInput(), r.oracleSplitHalf(), r.errorSvd(), r.errorOracle(), r.errorRandom()));
            }
            for (Module module : Module.values()) {
                sb.append(line("mean", module, "", meanRecallSvd(module), mean(module, Row::recallRandom), mean(module, Row::recallMeanInput),
                        mean(module, Row::oracleSplitHalf), mean(module, Row::errorSvd), mean(module, Row::errorOracle), mean(module, Row::errorRandom)));
            }
            sb.append("recall mean: exact weights on the sequence-mean input (FFN); oracle 1/2: oracle on half the samples vs the other half\n");
            sb.append(String.format(Locale.ROOT, "predictor per layer: %.3f ms vs %.3f ms for the dense block forward (%.1f%%); %.3g vs %.3g FLOPs (%.2f%%)%n",
                    cost.predictorMs(), cost.layerForwardMs(), 100 * cost.timeRatio(), cost.predictorFlops(), cost.layerForwardFlops(),
                    100 * cost.flopRatio()));
            return sb.toString();
        }

        private static String line(String layer, Module module, String kept, double... v) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%5s  %-6s  %11s", layer, module.name().toLowerCase(Locale.ROOT), kept));
            int[] widths = {10, 11, 11, 10, 8, 10, 8};
            for (int i = 0; i < v.length; i++) {
                String cell = Double.isNaN(v[i]) ? "-" : String.format(Locale.ROOT, "%.3f", v[i]);
                sb.append("  ").append(" ".repeat(Math.max(0, widths[i] - cell.length()))).append(cell);
            }
            return sb.append('\n').toString();
        }

        private double mean(Module module, java.util.function.ToDoubleFunction<Row> f) {
            return rows.stream().filter(r -> r.module() == module).mapToDouble(f).average().orElse(Double.NaN);
        }
    }

    private EstimatorDiagnostics() {
    }

    /**
     * The report for every layer the estimator has factors for, at one sparsity, with {@code timingRepeats} ≥ 1; the
     * SVD predictor scores FFN channels as {@code ffnScoring} says.
     */
    public static Report run(LlamaWeights weights, SvdEstimator estimator, TokenBatch batch, double sparsity, GqaMapping mapping,
                             FfnScoring ffnScoring, long seed, int timingRepeats) {
        ChannelPredictor.keep(1, sparsity);
        LlamaConfig c = weights.config();
        List<LayerInputs> inputs = LayerInputs.capture(weights, batch);
        SvdPredictor svd = new SvdPredictor(estimator, mapping, ffnScoring);
        OraclePredictor oracle = new OraclePredictor(weights, mapping);
        RandomPredictor random = new RandomPredictor(c, mapping, seed);
        List<Row> rows = new ArrayList<>();
        TokenBatch means = rowsOfOne(batch.batchSize());
        boolean split = batch.batchSize() >= 2;
        for (int l : estimator.layers()) {
            LayerWeights w = weights.layers().get(l);
            LayerInputs in = inputs.get(l);
            Index ffnOracle = oracle.ffn(l, in.ffn(), batch, sparsity);
            Index ffnSvd = svd.ffn(l, in.ffn(), batch, sparsity);
            Index ffnRandom = random.ffn(l, in.ffn(), batch, sparsity);
            Tensor z = MatMul.abT(in.ffn(), w.gate());
            SwiGlu.forward(z, MatMul.abT(in.ffn(), w.up()), z);                       // (B·T, hiddenDim)
            double ffnMean = recall(oracle.ffn(l, ChannelScores.sequenceMean(in.ffn(), batch), means, sparsity), ffnOracle);
            double ffnHalves = split ? recall(oracle.ffn(l, half(in.ffn(), batch, true), halfBatch(batch, true), sparsity),
                    oracle.ffn(l, half(in.ffn(), batch, false), halfBatch(batch, false), sparsity)) : Double.NaN;
            rows.add(row(l, Module.FFN, c.hiddenDim(), ffnOracle, ffnSvd, ffnRandom, ffnMean, ffnHalves, s -> droppedInputError(z, w.down(), s)));

            AttentionChannels aOracle = oracle.attention(l, in.attention(), batch, sparsity);
            AttentionChannels aSvd = svd.attention(l, in.attention(), batch, sparsity);
            AttentionChannels aRandom = random.attention(l, in.attention(), batch, sparsity);
            float[] qn = ChannelScores.columnNorms(MatMul.abT(in.attention(), w.wq()));
            float[] kn = ChannelScores.columnNorms(MatMul.abT(in.attention(), w.wk()));
            float[] vn = ChannelScores.columnNorms(MatMul.abT(in.attention(), w.wv()));
            int qDim = c.heads() * c.headSize();
            AttentionChannels first = split ? oracle.attention(l, half(in.attention(), batch, true), halfBatch(batch, true), sparsity) : null;
            AttentionChannels second = split ? oracle.attention(l, half(in.attention(), batch, false), halfBatch(batch, false), sparsity) : null;
            double nan = Double.NaN;
            rows.add(row(l, Module.Q, qDim, aOracle.q(), aSvd.q(), aRandom.q(), nan, split ? recall(first.q(), second.q()) : nan,
                    s -> droppedChannelError(qn, s)));
            rows.add(row(l, Module.K, c.kvDim(), aOracle.k(), aSvd.k(), aRandom.k(), nan, split ? recall(first.k(), second.k()) : nan,
                    s -> droppedChannelError(kn, s)));
            rows.add(row(l, Module.V, c.kvDim(), aOracle.v(), aSvd.v(), aRandom.v(), nan, split ? recall(first.v(), second.v()) : nan,
                    s -> droppedChannelError(vn, s)));
            rows.add(row(l, Module.O, qDim, aOracle.o(), aSvd.o(), aRandom.o(), nan, split ? recall(first.o(), second.o()) : nan,
                    s -> droppedInputError(in.heads(), w.wo(), s)));
        }
        Cost cost = cost(weights, estimator, svd, inputs, batch, sparsity, Math.max(1, timingRepeats));
        return new Report(c, sparsity, estimator.rank(), mapping, ffnScoring, batch.batchSize(), batch.seqLen(), rows, cost);
    }

    private static Row row(int layer, Module module, int channels, Index oracle, Index svd, Index random, double meanInput,
                           double splitHalf, java.util.function.ToDoubleFunction<Index> error) {
        return new Row(layer, module, oracle.size(), channels, recall(svd, oracle), recall(random, oracle), meanInput, splitHalf,
                error.applyAsDouble(svd), error.applyAsDouble(oracle), error.applyAsDouble(random));
    }

    /** A batch of b rows of one position each: the shape of the B sequence means. */
    private static TokenBatch rowsOfOne(int b) {
        int[] targets = new int[b];
        Arrays.fill(targets, -1);
        int[] lengths = new int[b];
        Arrays.fill(lengths, 1);
        return new TokenBatch(b, 1, new int[b], targets, lengths);
    }

    /** The first floor(B/2) samples, or the rest. */
    private static TokenBatch halfBatch(TokenBatch batch, boolean first) {
        int h = batch.batchSize() / 2;
        int from = first ? 0 : h;
        int to = first ? h : batch.batchSize();
        int t = batch.seqLen();
        return new TokenBatch(to - from, t, Arrays.copyOfRange(batch.tokens(), from * t, to * t),
                Arrays.copyOfRange(batch.targets(), from * t, to * t), Arrays.copyOfRange(batch.lengths(), from, to));
    }

    private static Tensor half(Tensor x, TokenBatch batch, boolean first) {
        int h = batch.batchSize() / 2;
        int t = batch.seqLen();
        return first ? x.rows(0, h * t) : x.rows(h * t, batch.rows());
    }

    /** |predicted ∩ oracle| / |oracle| (1 for an empty oracle set). */
    public static double recall(Index predicted, Index oracle) {
        if (oracle.size() == 0) return 1;
        int[] p = predicted.values();
        int[] o = oracle.values();
        int i = 0;
        int j = 0;
        int common = 0;
        while (i < p.length && j < o.length) {
            if (p[i] == o[j]) {
                common++;
                i++;
                j++;
            } else if (p[i] < o[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) common / o.length;
    }

    /** For Y = X·Wᵀ with column norms n: zero-filling the dropped columns leaves sqrt(Σ_dropped n²) / sqrt(Σ n²). */
    static double droppedChannelError(float[] norms, Index kept) {
        boolean[] keep = mask(norms.length, kept);
        double all = 0;
        double dropped = 0;
        for (int c = 0; c < norms.length; c++) {
            double sq = (double) norms[c] * norms[c];
            all += sq;
            if (!keep[c]) dropped += sq;
        }
        return all == 0 ? 0 : Math.sqrt(dropped / all);
    }

    /** For Y = X·Wᵀ using only the kept input columns: ||X_dropped·Wᵀ|| / ||X·Wᵀ||. */
    static double droppedInputError(Tensor x, Tensor w, Index kept) {
        boolean[] keep = mask(x.cols(), kept);
        int[] dropped = new int[x.cols() - countTrue(keep)];
        int n = 0;
        for (int c = 0; c < keep.length; c++) if (!keep[c]) dropped[n++] = c;
        double dense = frobenius(MatMul.abT(x, w));
        if (dropped.length == 0 || dense == 0) return 0;
        Tensor xDropped = Gather.keepColumns(x, new Index(dropped));
        return frobenius(MatMul.abT(xDropped, w)) / dense;
    }

    private static Cost cost(LlamaWeights weights, SvdEstimator estimator, SvdPredictor svd, List<LayerInputs> inputs, TokenBatch batch,
                             double sparsity, int repeats) {
        List<Integer> layers = estimator.layers();
        double[] predictor = new double[repeats];
        double[] forward = new double[repeats];
        for (int rep = 0; rep < repeats; rep++) {
            long start = System.nanoTime();
            for (int l : layers) {
                svd.ffn(l, inputs.get(l).ffn(), batch, sparsity);
                svd.attention(l, inputs.get(l).attention(), batch, sparsity);
            }
            predictor[rep] = (System.nanoTime() - start) / 1e6 / Math.max(1, layers.size());
            start = System.nanoTime();
            LayerInputs.capture(weights, batch);
            forward[rep] = (System.nanoTime() - start) / 1e6 / weights.config().layers();
        }
        return new Cost(median(predictor), median(forward), predictorFlops(weights.config(), estimator.rank(), batch, svd.ffnScoring()),
                layerForwardFlops(weights.config(), batch));
    }

    /**
     * FLOPs of the predictor for one layer: the FFN on its m rows (B sequence means, whose sums cost B·T·dim, or
     * the B·T tokens) through gate and up factors, SwiGLU and squares; the attention through the Gram matrix.
     */
    public static double predictorFlops(LlamaConfig c, int rank, TokenBatch batch, FfnScoring ffnScoring) {
        double n = batch.rows();
        double m = ffnScoring.rows(batch);
        double qDim = (double) c.heads() * c.headSize();
        double averaging = switch (ffnScoring) {
            case MEAN -> n * c.dim();
            case TOKENS -> 0;
        };
        double ffn = averaging + 2 * (2 * m * c.dim() * rank + 2 * m * rank * c.hiddenDim()) + 4 * m * c.hiddenDim();
        double attention = 2 * n * c.dim() * 3 * rank + 2 * n * 9.0 * rank * rank + 2.0 * rank * rank * (qDim + 2 * c.kvDim());
        return ffn + attention;
    }

    /** FLOPs of a dense forward of one block: the seven projections and causal attention (scores and mix). */
    public static double layerForwardFlops(LlamaConfig c, TokenBatch batch) {
        double n = batch.rows();
        double qDim = (double) c.heads() * c.headSize();
        double projections = 2 * n * c.dim() * (qDim + 2.0 * c.kvDim()) + 2 * n * qDim * c.dim() + 2 * n * 3.0 * c.dim() * c.hiddenDim();
        double attention = 2.0 * batch.batchSize() * batch.seqLen() * (batch.seqLen() + 1) / 2.0 * qDim * 2;
        return projections + attention;
    }

    private static boolean[] mask(int n, Index kept) {
        kept.checkBelow(n, "the module's channels");
        boolean[] keep = new boolean[n];
        for (int i = 0; i < kept.size(); i++) keep[kept.get(i)] = true;
        return keep;
    }

    private static int countTrue(boolean[] b) {
        int n = 0;
        for (boolean v : b) if (v) n++;
        return n;
    }

    private static double frobenius(Tensor t) {
        double sum = 0;
        float[] d = t.data();
        for (int i = t.offset(); i < t.offset() + t.size(); i++) sum += (double) d[i] * d[i];
        return Math.sqrt(sum);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Map<String, Object> orderedMap(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** The CLI spelling of a mapping: head-consistent, reference. */
    public static String mappingName(GqaMapping mapping) {
        return mapping.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
