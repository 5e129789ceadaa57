package org.sparselora4j.sparse;

import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.StepFlops;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;

/**
 * Analytic FLOPs of one SparseLoRA forward and backward pass, on {@link StepFlops}'s rules: the dense token
 * group's base at full width, the sparse group's base at the kept widths (its input gradient skipped where
 * {@link BaseGradient#DETACHED} detaches it), LoRA branches dense on every row; and, counted apart, a rank-r
 * SVD predictor ({@link SvdPredictor}): per sparse FFN layer, rows · (dim·r + r·hidden) for gate and up, the rows
 * being the B sequence means or the B·T tokens ({@link FfnScoring#rows}); per sparse attention layer every row
 * through [A_q A_k A_v] (dim·3r), their Gram matrix ((3r)² per row) and r² per q, k and v channel; 2 FLOPs per
 * multiply-add.
 *
 * <p>Kept widths are those the predictor last picked for a layer ({@link TimedPredictor}); before any pick they
 * are estimated as floor(width·(1−s)) for the FFN, k = v = floor(kvDim·(1−s)) and q = o = group·k (the
 * head-consistent GQA mapping; the same for non-GQA models).
 */
public final class SparseFlops {
    private SparseFlops() {
    }

    /** The step's base+LoRA count and the predictor's count, apart. */
    public record Count(StepFlops.Count step, double predictor) {
        public double total() {
            return step.total() + predictor;
        }
    }

    /** FLOPs of {@code batch} at {@code step}; {@code predictorRank} 0 counts no predictor work. */
    public static Count of(LlamaConfig c, LoraConfig lora, TokenBatch batch, long step, SparsityPlan plan, BaseGradient baseGradient,
                           TimedPredictor picks, int predictorRank, FfnScoring ffnScoring) {
        TokenSplit split = TokenSplit.of(batch);
        long sparseRows = split.sparse().length;
        StepFlops.SparseBase base = new StepFlops.SparseBase() {
            @Override
            public long sparseRows(int layer, Target t) {
                return sparsity(plan, layer, t, step) > 0 ? sparseRows : 0;
            }

            @Override
            public int kept(int layer, Target t) {
                return SparseFlops.kept(c, plan.ffn(layer, step), plan.attention(layer, step), picks, layer, t);
            }

            @Override
            public boolean sparseInputGrad(int layer, Target t) {
                boolean attention = t == Target.Q || t == Target.K || t == Target.V || t == Target.O;
                return !(baseGradient == BaseGradient.DETACHED && attention && lora.targets().contains(t));
            }
        };
        StepFlops.Count count = StepFlops.count(c, batch.batchSize(), batch.seqLen(), batch.labelCount(), false, lora.rank(), lora.targets(), base);
        return new Count(count, predictor(c, batch, step, plan, predictorRank, ffnScoring, sparseRows > 0));
    }

    private static double sparsity(SparsityPlan plan, int layer, Target t, long step) {
        return switch (t) {
            case Q, K, V, O -> plan.attention(layer, step);
            case GATE, UP, DOWN -> plan.ffn(layer, step);
        };
    }

    static int kept(LlamaConfig c, double ffn, double attention, TimedPredictor picks, int layer, Target t) {
        if (t == Target.GATE || t == Target.UP || t == Target.DOWN) {
            Index last = picks == null ? null : picks.lastFfn(layer);
            return last != null ? last.size() : ChannelPredictor.keep(c.hiddenDim(), ffn);
        }
        AttentionChannels last = picks == null ? null : picks.lastAttention(layer);
        if (last != null) {
            return switch (t) {
                case Q -> last.q().size();
                case K -> last.k().size();
                case V -> last.v().size();
                default -> last.o().size();
            };
        }
        int kv = ChannelPredictor.keep(c.kvDim(), attention);
        return t == Target.K || t == Target.V ? kv : kv * c.groupSize();
    }

    private static double predictor(LlamaConfig c, TokenBatch batch, long step, SparsityPlan plan, int rank, FfnScoring ffnScoring,
                                    boolean anySparse) {
        if (rank == 0 || !anySparse) return 0;
        double total = 0;
        long n = batch.rows();
        long ffnRows = ffnScoring.rows(batch);
        for (int l = 0; l < c.layers(); l++) {
            if (plan.ffn(l, step) > 0) total += 2 * 2.0 * ffnRows * rank * (c.dim() + c.hiddenDim());
            if (plan.attention(l, step) > 0) {
                total += 2.0 * n * c.dim() * 3 * rank + 2.0 * n * 9 * rank * rank
                        + 2.0 * (c.heads() * c.headSize() + 2 * c.kvDim()) * rank * rank;
            }
        }
        return total;
    }
}
