package org.sparselora4j.cli;

import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.sparse.BaseGradient;
import org.sparselora4j.sparse.ChannelPredictor;
import org.sparselora4j.sparse.FfnScoring;
import org.sparselora4j.sparse.GqaMapping;
import org.sparselora4j.sparse.OraclePredictor;
import org.sparselora4j.sparse.RandomPredictor;
import org.sparselora4j.sparse.SparseLoraMethod;
import org.sparselora4j.sparse.SparsityPlan;
import org.sparselora4j.sparse.SvdEstimator;
import org.sparselora4j.sparse.SvdPredictor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** The SparseLoRA flags shared by {@code finetune} and {@code bench step}, and the method they build. */
final class SparseFlags {
    /** How channels are picked. */
    enum Predictor { SVD, ORACLE, RANDOM }

    private SparseFlags() {
    }

    static List<Args.Flag> flags(double defaultWarmup) {
        return List.of(
                Args.Flag.value("sparsity", "SparseLoRA plan: paper-math10k | paper-csr170k | llama2-7b-math10k | llama2-7b-csr170k | uniform:S | dense"
                        + " | explicit \"ffn=FROM-TO:S,attn=FROM-TO:S\" (default paper-math10k, scaled to the model's depth)"),
                Args.Flag.value("dense-warmup", "SparseLoRA: fraction of the steps run dense first (default " + defaultWarmup + ")"),
                Args.Flag.value("predictor", "SparseLoRA channel predictor: svd | oracle | random (default svd)"),
                Args.Flag.value("predictor-rank", "SparseLoRA: rank of the SVD predictor (default 8)"),
                Args.Flag.value("estimator", "SparseLoRA: SVD estimator cache file (built and saved when missing or stale)"),
                Args.Flag.value("ffn-scoring", "SparseLoRA: mean | tokens: SVD predictor scores FFN channels on each sample's sequence mean"
                        + " (the reference default) or on every token (default mean)"),
                Args.Flag.value("gqa-mapping", "SparseLoRA: head-consistent | reference (the reference code's q/o mapping) (default head-consistent)"),
                Args.Flag.value("base-grad", "SparseLoRA: exact | detached (the reference code's no-grad sparse base in attention) (default exact)"));
    }

    /** The SparseLoRA method over {@code adapter} for a run of {@code totalSteps} optimizer steps. */
    static SparseLoraMethod method(Args args, String command, LoraAdapter adapter, long totalSteps, double defaultWarmup, long seed,
                                   String baseModel, PrintStream err) {
        return method(args, command, adapter, totalSteps, defaultWarmup, seed, baseModel, err, org.sparselora4j.lora.run.Replicas.SINGLE);
    }

    /**
     * As above, for a replica of a data-parallel run: the SVD predictor then scores the global batch (its norms summed
     * across replicas, {@link org.sparselora4j.sparse.ReplicatedPredictor}), so every replica picks the same channels.
     */
    static SparseLoraMethod method(Args args, String command, LoraAdapter adapter, long totalSteps, double defaultWarmup, long seed,
                                   String baseModel, PrintStream err, org.sparselora4j.lora.run.Replicas replicas) {
        LlamaWeights weights = adapter.base();
        int layers = weights.config().layers();
        SparsityPlan plan;
        try {
            double warmup = args.number("dense-warmup", defaultWarmup, 0, 1);
            plan = SparsityPlan.named(args.string("sparsity", "paper-math10k"), layers, SparsityPlan.warmupSteps(warmup, totalSteps));
        } catch (IllegalArgumentException e) {
            throw new UsageException(command + ": --sparsity: " + e.getMessage());
        }
        Predictor kind = args.choice("predictor", Predictor.class, Predictor.SVD);
        GqaMapping mapping = args.choice("gqa-mapping", GqaMapping.class, GqaMapping.HEAD_CONSISTENT);
        FfnScoring scoring = args.choice("ffn-scoring", FfnScoring.class, FfnScoring.MEAN);
        BaseGradient grad = args.choice("base-grad", BaseGradient.class, BaseGradient.EXACT);
        int rank = args.integer("predictor-rank", SvdEstimator.DEFAULT_RANK, 1, 1 << 12);
        ChannelPredictor predictor = switch (kind) {
            case SVD -> {
                SvdPredictor svd = new SvdPredictor(estimator(args, weights, plan, rank, err), mapping, scoring);
                yield replicas.count() > 1 ? new org.sparselora4j.sparse.ReplicatedPredictor(svd, weights.config(), replicas) : svd;
            }
            case ORACLE -> new OraclePredictor(weights, mapping);
            case RANDOM -> new RandomPredictor(weights.config(), mapping, seed);
        };
        String svd = kind == Predictor.SVD ? "-" + rank : "";
        String ffn = kind == Predictor.SVD ? "/ffn-" + scoring.cliName() : "";
        String name = kind.name().toLowerCase() + svd + "/" + mapping.name().toLowerCase().replace('_', '-') + ffn;
        err.printf("%s: SparseLoRA plan %s, dense warm-up %d steps, predictor %s, %s base gradient%n", command, plan.describe(),
                plan.warmupSteps(), name, grad.name().toLowerCase());
        return new SparseLoraMethod(adapter, new SparseLoraMethod.Settings(plan, predictor, grad, kind == Predictor.SVD ? rank : 0, scoring, name),
                baseModel);
    }

    private static SvdEstimator estimator(Args args, LlamaWeights weights, SparsityPlan plan, int rank, PrintStream err) {
        TreeSet<Integer> layers = new TreeSet<>();
        for (int l = 0; l < plan.layers(); l++) if (plan.ffn(l) > 0 || plan.attention(l) > 0) layers.add(l);
        long start = System.nanoTime();
        if (args.has("estimator")) {
            Path file = args.path("estimator");
            try {
                return SvdEstimator.cached(file, weights, rank, layers, m -> err.println("estimator: " + m));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        SvdEstimator e = SvdEstimator.build(weights, rank, layers);
        err.printf("estimator: rank-%d SVD factors for %d layers in %.1f s%n", rank, layers.size(), (System.nanoTime() - start) / 1e9);
        return e;
    }
}
