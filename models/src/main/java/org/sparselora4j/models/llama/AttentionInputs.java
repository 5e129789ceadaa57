package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What turns the q, k and v projections' outputs into attention's inputs, in the training graph: the q/k/v
 * biases of Qwen2, the per-head RMSNorm of q and k of Qwen3, then RoPE on q and k. Every family runs these
 * same steps; a part the architecture lacks is absent. Dense and sparse attention both call it, so they
 * agree on everything but which channels the projections compute.
 *
 * @param bias    q/k/v biases: (heads·headSize), (kvDim), (kvDim)
 * @param qkNorm  per-head norm weights of q and k: (headSize) each
 * @param config  the model's shape (heads, kvHeads, headSize, RMSNorm epsilon)
 */
public record AttentionInputs(Optional<Bias> bias, Optional<QkNorm> qkNorm, LlamaConfig config) {
    /** The biases as graph variables. */
    public record Bias(Var q, Var k, Var v) {
    }

    /** The q/k norm weights as graph variables. */
    public record QkNorm(Var q, Var k) {
    }

    /** No biases, no norms: LLaMA 2's block (throws if the config's architecture has either). */
    public static AttentionInputs plain(LlamaConfig config) {
        if (config.architecture().hasAttentionExtras()) {
            throw new IllegalArgumentException("the " + config.architecture().family() + " block needs its q/k/v biases or q/k norms");
        }
        return new AttentionInputs(Optional.empty(), Optional.empty(), config);
    }

    /** The block's biases and norms, trainable or constant. */
    public static AttentionInputs of(LayerWeights w, LlamaConfig config, boolean trainable) {
        Optional<Bias> bias = w.bias().map(b -> new Bias(var(b.q(), trainable), var(b.k(), trainable), var(b.v(), trainable)));
        Optional<QkNorm> norm = w.qkNorm().map(n -> new QkNorm(var(n.q(), trainable), var(n.k(), trainable)));
        return new AttentionInputs(bias, norm, config);
    }

    private static Var var(Tensor t, boolean trainable) {
        return trainable ? Var.parameter(t) : Var.constant(t);
    }

    /** q (n, heads·headSize) → bias, per-head norm, RoPE. */
    public Var query(Var q, ForwardContext ctx) {
        if (bias.isPresent()) q = Ops.addBias(q, bias.get().q());
        if (qkNorm.isPresent()) q = perHeadNorm(q, qkNorm.get().q());
        return Ops.rope(q, ctx.rope(), ctx.positions());
    }

    /** k (n, kvDim) → bias, per-head norm, RoPE. */
    public Var key(Var k, ForwardContext ctx) {
        if (bias.isPresent()) k = Ops.addBias(k, bias.get().k());
        if (qkNorm.isPresent()) k = perHeadNorm(k, qkNorm.get().k());
        return Ops.rope(k, ctx.rope(), ctx.positions());
    }

    /** v (n, kvDim) → bias. */
    public Var value(Var v) {
        return bias.isPresent() ? Ops.addBias(v, bias.get().v()) : v;
    }

    /** RMSNorm of each head: x (n, h·headSize) seen as (n·h, headSize). */
    private Var perHeadNorm(Var x, Var weight) {
        int n = x.rows(), width = x.cols(), headSize = config.headSize();
        Var heads = Ops.reshape(x, n * width / headSize, headSize);
        return Ops.reshape(Ops.rmsnorm(heads, weight, config.normEps()), n, width);
    }

    /** The trainable biases and norms (none when they are constants). */
    public List<Var> parameters() {
        List<Var> p = new ArrayList<>();
        bias.ifPresent(b -> {
            addIfTrainable(p, b.q());
            addIfTrainable(p, b.k());
            addIfTrainable(p, b.v());
        });
        qkNorm.ifPresent(q -> {
            addIfTrainable(p, q.q());
            addIfTrainable(p, q.k());
        });
        return p;
    }

    private static void addIfTrainable(List<Var> list, Var v) {
        if (v.requiresGrad()) list.add(v);
    }
}
