package org.sparselora4j.sparse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where and when SparseLoRA computes the frozen weights sparsely (METHODS.md 1.7, 1.8): a sparsity per decoder
 * layer for the FFN (rows of gate/up, columns of down) and for attention (rows of q/k/v, columns of o), each the
 * fraction of channels removed, in [0, 1); and the number of dense warm-up steps: step s is sparse iff
 * s ≥ {@code warmupSteps}. A ratio of 0 means the layer's half runs dense.
 *
 * @param ffn         per-layer FFN sparsity, one entry per decoder layer
 * @param attention   per-layer attention sparsity
 * @param warmupSteps optimizer steps run fully dense before sparsity starts
 */
public record SparsityPlan(double[] ffn, double[] attention, long warmupSteps) {
    public SparsityPlan {
        if (ffn.length != attention.length) throw new IllegalArgumentException("plan has " + ffn.length + " FFN ratios but " + attention.length + " attention ratios");
        if (ffn.length == 0) throw new IllegalArgumentException("plan covers no layer");
        if (warmupSteps < 0) throw new IllegalArgumentException("dense warm-up must not be negative, got " + warmupSteps);
        ffn = ffn.clone();
        attention = attention.clone();
        for (int l = 0; l < ffn.length; l++) {
            checkRatio("ffn", l, ffn[l]);
            checkRatio("attn", l, attention[l]);
        }
    }

    /** The paper's configurations (configs/sparsity/*.yaml, METHODS.md 1.8), written for their models' depths. */
    public enum Paper {
        /** LLaMA2-7B CSR170K: FFN L13-29 @0.90, attention L17-29 except 20, 24 @0.50. */
        LLAMA2_7B_CSR170K(32, new Range(13, 29, 0.90), new Range[] {new Range(17, 19, 0.50), new Range(21, 23, 0.50), new Range(25, 29, 0.50)}),
        /** LLaMA2-7B Math10K: FFN L13-29 @0.90, attention L17-29 except 20, 24 @0.60. */
        LLAMA2_7B_MATH10K(32, new Range(13, 29, 0.90), new Range[] {new Range(17, 19, 0.60), new Range(21, 23, 0.60), new Range(25, 29, 0.60)}),
        /** LLaMA3-8B CSR170K ("o1"): FFN L17-30 @0.97, attention L17-19, 21-23, 25-29 @0.20. */
        LLAMA3_8B_CSR170K(32, new Range(17, 30, 0.97), new Range[] {new Range(17, 19, 0.20), new Range(21, 23, 0.20), new Range(25, 29, 0.20)}),
        /** LLaMA3-8B Math10K ("o2", the headline 46% FLOPs): FFN L3-30 @0.99, attention L14-19, 21-23, 25-29 @0.75. */
        LLAMA3_8B_MATH10K(32, new Range(3, 30, 0.99), new Range[] {new Range(14, 19, 0.75), new Range(21, 23, 0.75), new Range(25, 29, 0.75)});

        private final int depth;
        private final Range ffn;
        private final Range[] attention;

        Paper(int depth, Range ffn, Range[] attention) {
            this.depth = depth;
            this.ffn = ffn;
            this.attention = attention;
        }
    }

    /** Inclusive layer range [from, to] at one sparsity. */
    record Range(int from, int to, double sparsity) {
        boolean contains(int layer) {
            return layer >= from && layer <= to;
        }
    }

    /** Which half of a block a setting addresses. */
    public enum Half {
        FFN("ffn"), ATTENTION("attn");

        private final String key;

        Half(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /**
     * A paper configuration scaled to a model of {@code layers} layers: layer l takes the setting of the paper
     * layer at the same relative depth, floor((l + ½) · depth / layers); the last layer always stays dense (as in
     * every paper configuration), so do shallow layers wherever the paper's are dense.
     */
    public static SparsityPlan paper(Paper p, int layers, long warmupSteps) {
        double[] ffn = new double[layers], attention = new double[layers];
        for (int l = 0; l < layers - 1; l++) {
            int pl = (int) Math.floor((l + 0.5) * p.depth / layers);
            ffn[l] = p.ffn.contains(pl) ? p.ffn.sparsity() : 0;
            for (Range r : p.attention) if (r.contains(pl)) attention[l] = r.sparsity();
        }
        return new SparsityPlan(ffn, attention, warmupSteps);
    }

    /** The same sparsity for the FFN and attention of every layer but the first and the last (kept dense). */
    public static SparsityPlan uniform(int layers, double sparsity, long warmupSteps) {
        checkRatio("uniform", -1, sparsity);
        double[] ratios = new double[layers];
        for (int l = 1; l < layers - 1; l++) ratios[l] = sparsity;
        return new SparsityPlan(ratios, ratios, warmupSteps);
    }

    /** Every layer dense at every step: the model is exactly dense LoRA. */
    public static SparsityPlan dense(int layers) {
        return new SparsityPlan(new double[layers], new double[layers], 0);
    }

    /**
     * Explicit settings such as {@code "ffn=2-9:0.9,attn=4-9:0.5,attn=11:0.3"}: each item is
     * {@code ffn|attn=FROM[-TO]:SPARSITY} over inclusive layer indices; later items override earlier ones, and
     * layers no item names stay dense.
     */
    public static SparsityPlan parse(String spec, int layers, long warmupSteps) {
        double[] ffn = new double[layers], attention = new double[layers];
        if (spec.isBlank()) throw new IllegalArgumentException("sparsity settings are empty");
        for (String item : spec.split(",")) {
            String s = item.trim();
            int eq = s.indexOf('='), colon = s.lastIndexOf(':');
            if (eq < 0 || colon < eq) throw new IllegalArgumentException("sparsity setting '" + s + "' is not ffn|attn=FROM[-TO]:SPARSITY");
            Half half = half(s, s.substring(0, eq).trim());
            String range = s.substring(eq + 1, colon).trim();
            int dash = range.indexOf('-');
            int from = layer(s, dash < 0 ? range : range.substring(0, dash));
            int to = dash < 0 ? from : layer(s, range.substring(dash + 1));
            if (from > to) throw new IllegalArgumentException("sparsity setting '" + s + "': layer range " + from + "-" + to + " is empty");
            if (to >= layers) throw new IllegalArgumentException("sparsity setting '" + s + "': layer " + to + " is outside the model's layers 0-" + (layers - 1));
            double sparsity;
            try {
                sparsity = Double.parseDouble(s.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("sparsity setting '" + s + "': '" + s.substring(colon + 1).trim() + "' is not a number");
            }
            if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity setting '" + s + "': sparsity " + sparsity + " is outside [0, 1)");
            Arrays.fill(half == Half.FFN ? ffn : attention, from, to + 1, sparsity);
        }
        return new SparsityPlan(ffn, attention, warmupSteps);
    }

    /**
     * A plan named on the command line: {@code paper-math10k} (LLaMA3-8B Math10K, "o2"), {@code paper-csr170k}
     * (LLaMA3-8B CSR170K, "o1"), {@code llama2-7b-math10k}, {@code llama2-7b-csr170k}, {@code llama3-8b-math10k},
     * {@code llama3-8b-csr170k}, {@code uniform:S}, {@code dense}, or explicit settings (see {@link #parse}).
     */
    public static SparsityPlan named(String name, int layers, long warmupSteps) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "paper-math10k", "llama3-8b-math10k" -> paper(Paper.LLAMA3_8B_MATH10K, layers, warmupSteps);
            case "paper-csr170k", "llama3-8b-csr170k" -> paper(Paper.LLAMA3_8B_CSR170K, layers, warmupSteps);
            case "llama2-7b-math10k" -> paper(Paper.LLAMA2_7B_MATH10K, layers, warmupSteps);
            case "llama2-7b-csr170k" -> paper(Paper.LLAMA2_7B_CSR170K, layers, warmupSteps);
            case "dense" -> dense(layers);
            default -> {
                if (n.startsWith("uniform:")) {
                    double s;
                    try {
                        s = Double.parseDouble(n.substring("uniform:".length()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("sparsity preset '" + name + "': '" + n.substring(8) + "' is not a number");
                    }
                    yield uniform(layers, s, warmupSteps);
                }
                if (n.contains("=")) yield parse(name, layers, warmupSteps);
                throw new IllegalArgumentException("unknown sparsity preset '" + name
                        + "' (expected paper-math10k, paper-csr170k, llama2-7b-math10k, llama2-7b-csr170k, uniform:S, dense, or ffn=FROM-TO:S,attn=FROM-TO:S)");
            }
        };
    }

    /** Dense warm-up as a fraction of a run of {@code totalSteps}: ceil(fraction · totalSteps) steps. */
    public static long warmupSteps(double fraction, long totalSteps) {
        if (!(fraction >= 0 && fraction <= 1)) throw new IllegalArgumentException("dense warm-up fraction must be in [0, 1], got " + fraction);
        return (long) Math.ceil(fraction * totalSteps - 1e-9);
    }

    public int layers() {
        return ffn.length;
    }

    public SparsityPlan withWarmupSteps(long steps) {
        return new SparsityPlan(ffn, attention, steps);
    }

    /** Whether step {@code step} is past the dense warm-up. */
    public boolean sparseAt(long step) {
        return step >= warmupSteps;
    }

    /** The FFN sparsity of {@code layer} at {@code step}: 0 during warm-up. */
    public double ffn(int layer, long step) {
        return sparseAt(step) ? ffn[layer] : 0;
    }

    /** The attention sparsity of {@code layer} at {@code step}: 0 during warm-up. */
    public double attention(int layer, long step) {
        return sparseAt(step) ? attention[layer] : 0;
    }

    /** The configured FFN sparsity of {@code layer} (after warm-up). */
    public double ffn(int layer) {
        return ffn[layer];
    }

    /** The configured attention sparsity of {@code layer} (after warm-up). */
    public double attention(int layer) {
        return attention[layer];
    }

    @Override
    public double[] ffn() {
        return ffn.clone();
    }

    @Override
    public double[] attention() {
        return attention.clone();
    }

    /** The settings in {@link #parse}'s syntax (runs of equal ratios merged), "dense" when none is sparse. */
    public String describe() {
        List<String> items = new ArrayList<>();
        describe(Half.FFN, ffn, items);
        describe(Half.ATTENTION, attention, items);
        return items.isEmpty() ? "dense" : String.join(",", items);
    }

    private static void describe(Half half, double[] ratios, List<String> items) {
        for (int l = 0; l < ratios.length; ) {
            if (ratios[l] == 0) {
                l++;
                continue;
            }
            int to = l;
            while (to + 1 < ratios.length && ratios[to + 1] == ratios[l]) to++;
            items.add(half.key() + "=" + (to == l ? String.valueOf(l) : l + "-" + to) + ":" + ratios[l]);
            l = to + 1;
        }
    }

    private static Half half(String item, String key) {
        for (Half h : Half.values()) if (h.key().equals(key.toLowerCase(Locale.ROOT))) return h;
        throw new IllegalArgumentException("sparsity setting '" + item + "': '" + key + "' is neither ffn nor attn");
    }

    private static int layer(String item, String text) {
        try {
            int l = Integer.parseInt(text.trim());
            if (l < 0) throw new IllegalArgumentException("sparsity setting '" + item + "': layer " + l + " is negative");
            return l;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sparsity setting '" + item + "': '" + text.trim() + "' is not a layer index");
        }
    }

    private static void checkRatio(String what, int layer, double r) {
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException(what + " sparsity" + (layer >= 0 ? " of layer " + layer : "") + " is " + r + ", outside [0, 1)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparsityPlan p && Arrays.equals(ffn, p.ffn) && Arrays.equals(attention, p.attention) && warmupSteps == p.warmupSteps;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ffn) + Arrays.hashCode(attention)) + Long.hashCode(warmupSteps);
    }

    @Override
    public String toString() {
        return "SparsityPlan[" + describe() + ", dense warm-up " + warmupSteps + " steps]";
    }
}
