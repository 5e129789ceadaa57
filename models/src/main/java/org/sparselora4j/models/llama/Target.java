package org.sparselora4j.models.llama;

/** The seven projections of a decoder block, with their Hugging Face module names. */
public enum Target {
    Q("q_proj", "self_attn"), K("k_proj", "self_attn"), V("v_proj", "self_attn"), O("o_proj", "self_attn"),
    GATE("gate_proj", "mlp"), UP("up_proj", "mlp"), DOWN("down_proj", "mlp");

    private final String hfName;
    private final String hfParent;

    Target(String hfName, String hfParent) {
        this.hfName = hfName;
        this.hfParent = hfParent;
    }

    /** The Hugging Face module name, such as {@code q_proj}. */
    public String hfName() {
        return hfName;
    }

    /** The module path inside a Hugging Face decoder layer, such as {@code self_attn.q_proj}. */
    public String hfPath() {
        return hfParent + "." + hfName;
    }

    /** The weight of this projection in a block. */
    public org.sparselora4j.tensor.Tensor weight(LayerWeights w) {
        return switch (this) {
            case Q -> w.wq();
            case K -> w.wk();
            case V -> w.wv();
            case O -> w.wo();
            case GATE -> w.gate();
            case UP -> w.up();
            case DOWN -> w.down();
        };
    }

    /** Parses a Hugging Face name ({@code q_proj}) or a short one ({@code q}), case-insensitively. */
    public static Target parse(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        for (Target t : values()) {
            if (t.hfName.equals(n) || t.name().toLowerCase(java.util.Locale.ROOT).equals(n)) return t;
        }
        throw new IllegalArgumentException("unknown projection '" + name + "' (expected q, k, v, o, gate, up or down)");
    }
}
