package org.sparselora4j.lora;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One LoRA adapter over a whole model: a {@link LoraLinear} for every targeted projection of every block, over
 * the model's frozen weights. It says how the training graph is built ({@link #parts()}), holds the trainable
 * factors, and merges into (or out of) a copy of the weights. The frozen base products of its graph run on the
 * {@link Backend} it is created with ({@link Backend#cpu()} unless one is given); the adapter does not own it.
 */
public final class LoraAdapter {
    private final LlamaWeights base;
    private final LoraConfig config;
    private final List<Map<Target, LoraLinear>> layers;
    private final List<Dropout> dropouts = new ArrayList<>();
    private final Backend backend;

    private LoraAdapter(LlamaWeights base, LoraConfig config, List<Map<Target, LoraLinear>> layers, Backend backend) {
        this.base = base;
        this.config = config;
        this.layers = layers;
        this.backend = backend;
    }

    /** A fresh adapter (B = 0) with A drawn from {@code seed}. */
    public static LoraAdapter create(LlamaWeights base, LoraConfig config, long seed) {
        return create(base, config, seed, Backend.cpu());
    }

    /** A fresh adapter whose frozen base products run on {@code backend}. */
    public static LoraAdapter create(LlamaWeights base, LoraConfig config, long seed, Backend backend) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Map<Target, LoraLinear>> layers = new ArrayList<>();
        LoraAdapter adapter = new LoraAdapter(base, config, layers, backend);
        for (int l = 0; l < base.config().layers(); l++) {
            Map<Target, LoraLinear> m = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                if (!config.targets().contains(t)) continue;
                m.put(t, LoraLinear.fresh(t.weight(base.layers().get(l)), config, random.split(), adapter.dropout(seed, l, t), backend));
            }
            layers.add(m);
        }
        return adapter;
    }

    /** An adapter with given factors: {@code a.get(l).get(t)} (rank, in) and {@code b} (out, rank). */
    public static LoraAdapter of(LlamaWeights base, LoraConfig config, List<Map<Target, Tensor>> a, List<Map<Target, Tensor>> b) {
        return of(base, config, a, b, Backend.cpu());
    }

    /** An adapter with given factors whose frozen base products run on {@code backend}. */
    public static LoraAdapter of(LlamaWeights base, LoraConfig config, List<Map<Target, Tensor>> a, List<Map<Target, Tensor>> b,
                                 Backend backend) {
        List<Map<Target, LoraLinear>> layers = new ArrayList<>();
        LoraAdapter adapter = new LoraAdapter(base, config, layers, backend);
        for (int l = 0; l < base.config().layers(); l++) {
            Map<Target, LoraLinear> m = new EnumMap<>(Target.class);
            for (Target t : config.targets()) {
                Tensor at = a.get(l).get(t), bt = b.get(l).get(t);
                if (at == null || bt == null) throw new IllegalArgumentException("adapter has no factors for layer " + l + " " + t.hfName());
                m.put(t, new LoraLinear(t.weight(base.layers().get(l)), Var.parameter(at), Var.parameter(bt), config.scale(), adapter.dropout(0, l, t), backend));
            }
            layers.add(m);
        }
        return adapter;
    }

    private Dropout dropout(long seed, int layer, Target t) {
        Dropout d = new Dropout(config.dropout(), seed * 31 + layer * 7L + t.ordinal());
        dropouts.add(d);
        return d;
    }

    public LoraConfig config() {
        return config;
    }

    public LlamaWeights base() {
        return base;
    }

    /** Where the frozen base products run. */
    public Backend backend() {
        return backend;
    }

    /** The LoRA layer of block {@code layer} for {@code target}, or null when that projection is not targeted. */
    public LoraLinear layer(int layer, Target target) {
        return layers.get(layer).get(target);
    }

    /** Frozen projections everywhere, LoRA-wrapped where targeted; embedding and norms frozen. */
    public LlamaModel.Parts parts() {
        return new LlamaModel.Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                LoraLinear lora = layers.get(layer).get(target);
                return lora != null ? lora : Linear.frozen(weight, backend);
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return false;
            }

            @Override
            public Backend backend() {
                return backend;
            }
        };
    }

    /** The trainable factors, A then B of each layer in block and target order. */
    public List<Var> parameters() {
        List<Var> p = new ArrayList<>();
        for (Map<Target, LoraLinear> m : layers) for (LoraLinear l : m.values()) p.addAll(l.parameters());
        return p;
    }

    /** Turns dropout on for an optimizer step. */
    public void train(long step) {
        for (Dropout d : dropouts) d.train(step);
    }

    /** Turns dropout off. */
    public void eval() {
        for (Dropout d : dropouts) d.eval();
    }

    /** A copy of the base weights with s·B·A added to every targeted projection. */
    public LlamaWeights merged() {
        return apply(base, +1f);
    }

    /** The inverse of merging: {@code merged} with s·B·A subtracted again. */
    public LlamaWeights unmerge(LlamaWeights merged) {
        return apply(merged, -1f);
    }

    private LlamaWeights apply(LlamaWeights w, float sign) {
        List<LayerWeights> out = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            LayerWeights lw = w.layers().get(l);
            Map<Target, Tensor> updated = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                LoraLinear lora = layers.get(l).get(t);
                Tensor weight = t.weight(lw);
                if (lora == null) {
                    updated.put(t, weight);
                } else {
                    Tensor m = weight.copy();
                    Elementwise.axpy(sign, lora.delta(), m);
                    updated.put(t, m);
                }
            }
            out.add(lw.withProjections(updated.get(Target.Q), updated.get(Target.K), updated.get(Target.V), updated.get(Target.O),
                    updated.get(Target.GATE), updated.get(Target.UP), updated.get(Target.DOWN)));
        }
        return new LlamaWeights(w.config(), w.tokenEmbedding(), out, w.finalNorm(), w.classifier());
    }
}
