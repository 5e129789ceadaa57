package org.sparselora4j.sparse.losa;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.Dropout;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A masked LoRA over a whole pruned model: factors A (rMax, in) and B (out, rMax) for every targeted projection,
 * a rank r_l per block (the seven projections of block l share it), scale s = alpha / rMax, and the frozen base
 * weights whose zeros are the masks. Rounds of LoSA keep the factors and change the base ({@link #rebase}) and
 * the ranks ({@link #withRanks}); each such change is a new adapter over the same factor {@link Var}s.
 */
public final class MaskedLoraAdapter {
    private final LlamaWeights base;
    private final LoraConfig config;
    private final List<Map<Target, Var>> a;
    private final List<Map<Target, Var>> b;
    private final int[] ranks;
    private final long dropoutSeed;
    private final List<Map<Target, Dropout>> dropouts = new ArrayList<>();

    private MaskedLoraAdapter(LlamaWeights base, LoraConfig config, List<Map<Target, Var>> a, List<Map<Target, Var>> b, int[] ranks, long dropoutSeed) {
        if (ranks.length != base.config().layers()) throw new IllegalArgumentException(ranks.length + " ranks for " + base.config().layers() + " layers");
        for (int l = 0; l < ranks.length; l++) {
            if (ranks[l] < 1 || ranks[l] > config.rank()) throw new IllegalArgumentException("layer " + l + " rank " + ranks[l] + " outside [1, " + config.rank() + "]");
        }
        this.base = base;
        this.config = config;
        this.a = a;
        this.b = b;
        this.ranks = ranks.clone();
        this.dropoutSeed = dropoutSeed;
        for (int l = 0; l < ranks.length; l++) {
            Map<Target, Dropout> m = new EnumMap<>(Target.class);
            for (Target t : config.targets()) m.put(t, new Dropout(config.dropout(), dropoutSeed * 31 + l * 7L + t.ordinal()));
            dropouts.add(m);
        }
    }

    /** A fresh adapter (B = 0, A uniform in ±1/√in) of rank rMax = {@code config.rank()} in every block. */
    public static MaskedLoraAdapter create(LlamaWeights base, LoraConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Map<Target, Var>> a = new ArrayList<>(), b = new ArrayList<>();
        for (LayerWeights lw : base.layers()) {
            Map<Target, Var> la = new EnumMap<>(Target.class), lb = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                if (!config.targets().contains(t)) continue;
                Tensor w = t.weight(lw);
                SplittableRandom r = random.split();
                la.put(t, Var.parameter(Tensor.uniform(r, (float) (1.0 / Math.sqrt(w.cols())), config.rank(), w.cols())));
                lb.put(t, Var.parameter(Tensor.zeros(w.rows(), config.rank())));
            }
            a.add(la);
            b.add(lb);
        }
        return new MaskedLoraAdapter(base, config, a, b, RankAllocation.uniform(base.config().layers(), config.rank()), seed);
    }

    /** The same factors and ranks over another (re-pruned) base; its zeros are the new masks. */
    public MaskedLoraAdapter rebase(LlamaWeights newBase) {
        if (!newBase.config().equals(base.config())) throw new IllegalArgumentException("a new base must have the same shape");
        return new MaskedLoraAdapter(newBase, config, a, b, ranks, dropoutSeed);
    }

    /** The same factors and base with rank {@code ranks[l]} (in [1, rMax]) in block l. */
    public MaskedLoraAdapter withRanks(int[] newRanks) {
        return new MaskedLoraAdapter(base, config, a, b, newRanks, dropoutSeed);
    }

    /** The same adapter whose dropout draws from another seed (a new round of training). */
    public MaskedLoraAdapter withDropoutSeed(long seed) {
        return new MaskedLoraAdapter(base, config, a, b, ranks, seed);
    }

    public LlamaWeights base() {
        return base;
    }

    public LoraConfig config() {
        return config;
    }

    /** r_l per block (a copy). */
    public int[] ranks() {
        return ranks.clone();
    }

    /** The masked LoRA layer of block {@code layer} for {@code target} over the current base; throws if untargeted. */
    public MaskedLoraLinear layer(int layer, Target target) {
        Var at = a.get(layer).get(target);
        if (at == null) throw new IllegalArgumentException(target.hfName() + " has no adapter");
        return new MaskedLoraLinear(target.weight(base.layers().get(layer)), at, b.get(layer).get(target), ranks[layer], config.scale(),
                dropouts.get(layer).get(target));
    }

    /** Frozen projections everywhere, masked LoRA where targeted; embedding and norms frozen. */
    public LlamaModel.Parts parts() {
        return new LlamaModel.Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                if (!config.targets().contains(target)) return Linear.frozen(weight);
                if (weight != target.weight(base.layers().get(layer))) throw new IllegalArgumentException("parts() builds over this adapter's base only");
                return layer(layer, target);
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return false;
            }
        };
    }

    /** Every A then B, in block and target order (each the full rMax factor; rows beyond r_l get zero gradient). */
    public List<Var> parameters() {
        List<Var> p = new ArrayList<>();
        for (int l = 0; l < a.size(); l++) {
            for (Target t : a.get(l).keySet()) {
                p.add(a.get(l).get(t));
                p.add(b.get(l).get(t));
            }
        }
        return p;
    }

    /** Turns dropout on for an optimizer step. */
    public void train(long step) {
        for (Map<Target, Dropout> m : dropouts) for (Dropout d : m.values()) d.train(step);
    }

    /** Turns dropout off. */
    public void eval() {
        for (Map<Target, Dropout> m : dropouts) for (Dropout d : m.values()) d.eval();
    }

    /** A copy of the base with s·M⊙(B_r·A_r) added, M = (base ≠ 0): as sparse as the base. */
    public LlamaWeights merged() {
        return apply(base, +1f);
    }

    /**
     * The inverse of merging for a merged model that was pruned again: s·M'⊙(B_r·A_r) subtracted with M' =
     * (merged ≠ 0), so surviving weights get their base values back (to float rounding) and pruned ones stay 0.
     */
    public LlamaWeights unmerge(LlamaWeights merged) {
        return apply(merged, -1f);
    }

    private LlamaWeights apply(LlamaWeights w, float sign) {
        List<LayerWeights> out = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            LayerWeights lw = w.layers().get(l);
            Map<Target, Tensor> m = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                Tensor weight = t.weight(lw);
                Var at = a.get(l).get(t);
                if (at == null) {
                    m.put(t, weight);
                    continue;
                }
                Tensor updated = weight.copy();
                Tensor d = MaskedLoraLinear.delta(at.value(), b.get(l).get(t).value(), ranks[l], config.scale(), MaskedLoraLinear.maskOf(weight));
                Elementwise.axpy(sign, d, updated);
                m.put(t, updated);
            }
            out.add(SequentialPruner.withMatrices(lw, m));
        }
        return new LlamaWeights(w.config(), w.tokenEmbedding(), out, w.finalNorm(), w.classifier());
    }
}
