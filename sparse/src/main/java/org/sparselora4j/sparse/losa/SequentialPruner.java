package org.sparselora4j.sparse.losa;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Sequential layer-wise pruning (Wanda's and SparseGPT's standard procedure, METHODS 2.4): block l sees the
 * output of the already pruned blocks before it; its seven projections are pruned with statistics from one
 * forward of the block before pruning; then the block's output is recomputed with the pruned weights and fed on.
 * Optionally each block's output is compared with a reference (the dense model's), giving LoSA's reconstruction
 * error e_l = (1/H) Σ_c ‖Y[:,c] − Ŷ[:,c]‖² / ‖Y[:,c]‖² (METHODS 2.6).
 */
public final class SequentialPruner {
    /**
     * @param weights              the pruned model (new matrices; norms and embeddings shared with the input)
     * @param reconstructionErrors e_l per block, or an empty array when no reference was given
     */
    public record Result(LlamaWeights weights, double[] reconstructionErrors) {
    }

    private SequentialPruner() {
    }

    /** Prunes block l of {@code weights} to {@code rates[l]} (or the N:M {@code pattern}), blocks in order. */
    public static Result prune(LlamaWeights weights, Calibration calibration, double[] rates, PrunePattern pattern) {
        return run(weights, calibration, rates, pattern, List.of());
    }

    /** {@link #prune} that also measures each block's output against {@code reference} ({@link #layerOutputs}). */
    public static Result prune(LlamaWeights weights, Calibration calibration, double[] rates, PrunePattern pattern, List<List<Tensor>> reference) {
        if (reference.size() != weights.config().layers()) {
            throw new IllegalArgumentException(reference.size() + " reference outputs for " + weights.config().layers() + " layers");
        }
        return run(weights, calibration, rates, pattern, reference);
    }

    private static Result run(LlamaWeights weights, Calibration calibration, double[] rates, PrunePattern pattern, List<List<Tensor>> reference) {
        int layers = weights.config().layers();
        if (rates.length != layers) throw new IllegalArgumentException(rates.length + " rates for " + layers + " layers");
        BlockForward forward = new BlockForward(weights.config());
        List<Tensor> x = forward.embed(weights, calibration);
        List<LayerWeights> pruned = new ArrayList<>();
        double[] errors = new double[reference.isEmpty() ? 0 : layers];
        ZeroBudget budget = new ZeroBudget();
        for (int l = 0; l < layers; l++) {
            LayerWeights w = weights.layers().get(l);
            ChannelNorms stats = new ChannelNorms(calibration.sequences());
            forward.block(w, calibration, x, stats);                  // statistics of the block before pruning
            LayerWeights p = pruneBlock(w, stats, rates[l], pattern, budget);
            pruned.add(p);
            x = forward.block(p, calibration, x);                     // the pruned block's output feeds the next
            if (!reference.isEmpty()) errors[l] = reconstructionError(reference.get(l), x);
        }
        return new Result(new LlamaWeights(weights.config(), weights.tokenEmbedding(), pruned, weights.finalNorm(), weights.classifier()), errors);
    }

    /** Copies of the block's seven matrices, each pruned with its own input statistics to round(rate · size) zeros. */
    static LayerWeights pruneBlock(LayerWeights w, ChannelNorms stats, double rate, PrunePattern pattern) {
        return pruneBlock(w, stats, rate, pattern, new ZeroBudget());
    }

    private static LayerWeights pruneBlock(LayerWeights w, ChannelNorms stats, double rate, PrunePattern pattern, ZeroBudget budget) {
        if (!(rate >= 0 && rate <= 1)) throw new IllegalArgumentException("pruning rate must be in [0, 1], got " + rate);
        Map<Target, Tensor> m = new EnumMap<>(Target.class);
        for (Target t : Target.values()) {
            Tensor copy = t.weight(w).copy();
            Wanda.pruneCount(copy, stats.norms(t), budget.next(rate, copy.size()), pattern);
            m.put(t, copy);
        }
        return withMatrices(w, m);
    }

    /**
     * Rounding by error diffusion: each matrix gets round(Σ rate·size so far) − (zeros given so far), so every
     * matrix is within one element of its rate and the whole model within one element of Σ rate·size.
     */
    private static final class ZeroBudget {
        private double wanted;
        private long given;

        long next(double rate, int size) {
            wanted += rate * size;
            long zeros = Math.max(0, Math.min(size, Math.round(wanted) - given));
            given += zeros;
            return zeros;
        }
    }

    /** The block with its seven matrices replaced (norms, biases and q/k norms kept). */
    static LayerWeights withMatrices(LayerWeights w, Map<Target, Tensor> m) {
        return w.withProjections(m.get(Target.Q), m.get(Target.K), m.get(Target.V), m.get(Target.O),
                m.get(Target.GATE), m.get(Target.UP), m.get(Target.DOWN));
    }

    /** The output of every block of {@code weights} on the calibration set: [layer][chunk] (b·T, dim). */
    public static List<List<Tensor>> layerOutputs(LlamaWeights weights, Calibration calibration) {
        BlockForward forward = new BlockForward(weights.config());
        List<Tensor> x = forward.embed(weights, calibration);
        List<List<Tensor>> out = new ArrayList<>();
        for (LayerWeights w : weights.layers()) {
            x = forward.block(w, calibration, x);
            out.add(x);
        }
        return out;
    }

    /** The input of every block of {@code weights}: [layer][chunk] (b·T, dim); layer 0's is the embedding. */
    public static List<List<Tensor>> layerInputs(LlamaWeights weights, Calibration calibration) {
        BlockForward forward = new BlockForward(weights.config());
        List<Tensor> x = forward.embed(weights, calibration);
        List<List<Tensor>> in = new ArrayList<>();
        for (LayerWeights w : weights.layers()) {
            in.add(x);
            x = forward.block(w, calibration, x);
        }
        return in;
    }

    /** e = (1/H) Σ_c ‖Y[:,c] − Ŷ[:,c]‖² / ‖Y[:,c]‖², sums over all rows of all chunks; a channel with ‖Y[:,c]‖ = 0 counts 0. */
    public static double reconstructionError(List<Tensor> reference, List<Tensor> actual) {
        if (reference.size() != actual.size()) throw new IllegalArgumentException(reference.size() + " reference chunks, " + actual.size() + " actual");
        int h = reference.getFirst().cols();
        double[] diff = new double[h], norm = new double[h];
        for (int c = 0; c < reference.size(); c++) {
            Tensor y = reference.get(c), yh = actual.get(c);
            if (y.rows() != yh.rows() || y.cols() != h || yh.cols() != h) {
                throw new IllegalArgumentException("chunk " + c + ": reference " + y.shape() + ", actual " + yh.shape());
            }
            float[] yd = y.data(), hd = yh.data();
            for (int r = 0; r < y.rows(); r++) {
                for (int j = 0; j < h; j++) {
                    double a = yd[y.offset() + r * h + j], b = hd[yh.offset() + r * h + j];
                    diff[j] += (a - b) * (a - b);
                    norm[j] += a * a;
                }
            }
        }
        double e = 0;
        for (int j = 0; j < h; j++) if (norm[j] > 0) e += diff[j] / norm[j];
        return e / h;
    }
}
