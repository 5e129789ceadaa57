package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Elementwise;
import org.sparselora4j.tensor.kernel.RmsNorm;
import org.sparselora4j.tensor.kernel.Rope;
import org.sparselora4j.tensor.kernel.SwiGlu;

import java.util.ArrayList;
import java.util.List;

/**
 * The LLaMA forward pass for inference: no gradients, keys and values kept in a {@link KvCache}. Any number of
 * tokens go through at once (a prompt is one batch of rows through each matmul; decoding is a batch of one).
 * The model is read-only and may serve several caches; a cache belongs to one thread.
 * <pre>
 *   x = embed(tokens)
 *   for each block:  h = x + attention(rmsnorm(x));  x = h + mlp(rmsnorm(h))
 *   logits = classifier(rmsnorm(x))
 * </pre>
 */
public final class LlamaInference {
    private final LlamaConfig config;
    private final Tensor tokenEmbedding;           // (vocab, dim)
    private final List<LayerWeights> layers;       // the norms; projections come from blocks
    private final List<BlockProjections> blocks;
    private final Tensor finalNorm;                // (dim)
    private final Projection classifier;           // dim → vocab
    private final Rope rope;

    /** The model with its own dense weights. */
    public LlamaInference(LlamaWeights weights) {
        this(weights, Backend.cpu());
    }

    /** The model with its own dense weights, every projection and the classifier on {@code backend}. */
    public LlamaInference(LlamaWeights weights, Backend backend) {
        this(weights, denseBlocks(weights, backend), Projection.dense(weights.classifier(), backend));
    }

    /** The model with other projections (LoRA, sparse, quantized) in place of the dense ones. */
    public LlamaInference(LlamaWeights weights, List<BlockProjections> blocks, Projection classifier) {
        this.config = weights.config();
        this.tokenEmbedding = weights.tokenEmbedding();
        this.layers = weights.layers();
        this.blocks = List.copyOf(blocks);
        this.finalNorm = weights.finalNorm();
        this.classifier = classifier;
        if (this.blocks.size() != config.layers()) {
            throw new IllegalArgumentException(blocks.size() + " blocks of projections for a config of " + config.layers() + " layers");
        }
        for (int i = 0; i < this.blocks.size(); i++) this.blocks.get(i).check(config, i);
        if (classifier.inFeatures() != config.dim() || classifier.outFeatures() != config.vocabSize()) {
            throw new IllegalArgumentException("classifier maps " + classifier.inFeatures() + " → " + classifier.outFeatures()
                    + ", expected " + config.dim() + " → " + config.vocabSize());
        }
        for (int i = 0; i < layers.size(); i++) layers.get(i).check(config, i);
        this.rope = config.newRope();
    }

    private static List<BlockProjections> denseBlocks(LlamaWeights weights, Backend backend) {
        List<BlockProjections> blocks = new ArrayList<>();
        for (LayerWeights w : weights.layers()) blocks.add(BlockProjections.dense(w, backend));
        return blocks;
    }

    public LlamaConfig config() {
        return config;
    }

    /** A session with an empty cache for the model's whole context. */
    public InferenceSession newSession() {
        return new InferenceSession(this, new KvCache(config, config.maxSeqLen()));
    }

    /**
     * Logits (n, vocab) of {@code tokens} placed at positions [p, p+n), p = {@code cache.length()}: row r
     * predicts the token after tokens[r]. Their keys and values join the cache.
     */
    public Tensor forward(int[] tokens, KvCache cache) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens to run");
        int start = cache.length();
        cache.checkRange(start, tokens.length);
        int[] positions = new int[tokens.length];
        for (int r = 0; r < tokens.length; r++) positions[r] = start + r;

        Tensor x = embed(tokens);                                            // (n, dim)
        for (int l = 0; l < config.layers(); l++) {
            x = block(l, x, positions, cache);
        }
        Tensor logits = classifier.forward(rmsNorm(x, finalNorm));          // (n, vocab)
        cache.advance(tokens.length);
        return logits;
    }

    /** One pre-norm decoder block. */
    private Tensor block(int l, Tensor x, int[] positions, KvCache cache) {
        LayerWeights w = layers.get(l);
        Tensor h = add(x, attention(l, rmsNorm(x, w.attnNorm()), positions, cache));
        return add(h, mlp(blocks.get(l), rmsNorm(h, w.ffnNorm())));
    }

    /**
     * Multi-head self-attention with rotary positions, after the family's q/k/v biases and per-head q/k norms;
     * this batch's keys and values go to the cache first.
     */
    private Tensor attention(int l, Tensor x, int[] positions, KvCache cache) {
        BlockProjections p = blocks.get(l);
        LayerWeights w = layers.get(l);
        Tensor q = p.wq().forward(x);                                        // (n, heads·headSize)
        Tensor k = p.wk().forward(x);                                        // (n, kvDim)
        Tensor v = p.wv().forward(x);                                        // (n, kvDim)
        if (w.bias().isPresent()) {
            addBias(q, w.bias().get().q());
            addBias(k, w.bias().get().k());
            addBias(v, w.bias().get().v());
        }
        if (w.qkNorm().isPresent()) {
            normHeads(q, w.qkNorm().get().q());
            normHeads(k, w.qkNorm().get().k());
        }
        rope.rotate(q, positions, false);
        rope.rotate(k, positions, false);
        cache.store(l, positions[0], k, v);
        Tensor heads = CausalAttention.forward(q, cache, l, positions[0], config); // (n, heads·headSize)
        return p.wo().forward(heads);                                        // (n, dim)
    }

    /** The SwiGLU feed-forward network: down(SiLU(gate(x)) ⊙ up(x)). */
    private static Tensor mlp(BlockProjections p, Tensor x) {
        Tensor gate = p.gate().forward(x);                                   // (n, hiddenDim)
        Tensor up = p.up().forward(x);                                       // (n, hiddenDim)
        SwiGlu.forward(gate, up, gate);
        return p.down().forward(gate);                                       // (n, dim)
    }

    /** Rows of the token embedding, copied: (n, dim). */
    private Tensor embed(int[] tokens) {
        Tensor x = Tensor.zeros(tokens.length, config.dim());
        for (int r = 0; r < tokens.length; r++) {
            int t = tokens[r];
            if (t < 0 || t >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " at index " + r + " is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
            x.row(r).copyFrom(tokenEmbedding.row(t));
        }
        return x;
    }

    private Tensor rmsNorm(Tensor x, Tensor weight) {
        Tensor out = Tensor.zeros(x.rows(), x.cols());
        RmsNorm.forward(x, weight, config.normEps(), out);
        return out;
    }

    /** x (n, d) += bias (d) on every row, in place. */
    private static void addBias(Tensor x, Tensor bias) {
        for (int r = 0; r < x.rows(); r++) Elementwise.add(x.row(r), bias, x.row(r));
    }

    /** RMSNorm of every head of x (n, h·headSize) in place, each head a row of the (n·h, headSize) view. */
    private void normHeads(Tensor x, Tensor weight) {
        Tensor heads = x.reshape(x.size() / config.headSize(), config.headSize());
        Tensor normed = Tensor.zeros(heads.rows(), heads.cols());
        RmsNorm.forward(heads, weight, config.normEps(), normed);
        heads.copyFrom(normed);
    }

    /** The residual a + b, written into b (a branch's fresh output). */
    private static Tensor add(Tensor a, Tensor b) {
        Elementwise.add(a, b, b);
        return b;
    }
}
