package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.kernel.Rope;

/**
 * The shape of a LLaMA model, with each field's meaning in the checkpoint formats.
 *
 * @param dim          hidden size (llama2.c {@code dim}, HF {@code hidden_size}, GGUF {@code embedding_length})
 * @param hiddenDim    FFN size (HF {@code intermediate_size}, GGUF {@code feed_forward_length})
 * @param layers       decoder blocks ({@code num_hidden_layers}, GGUF {@code block_count})
 * @param heads        query heads ({@code num_attention_heads})
 * @param kvHeads      key/value heads ({@code num_key_value_heads}); heads / kvHeads query heads share one
 * @param vocabSize    tokens in the embedding and classifier
 * @param maxSeqLen    context length the model was trained for (positions RoPE is tabulated for)
 * @param ropeTheta    RoPE base (10000 for LLaMA 1/2)
 * @param ropeStyle    which elements a head's rotation pairs: INTERLEAVED for llama2.c and GGUF weights,
 *                     HALF_SPLIT for Hugging Face weights (whose q/k rows are permuted accordingly)
 * @param normEps      RMSNorm epsilon
 * @param tiedClassifier whether the classifier is the token embedding
 * @param architecture what the family's block adds to LLaMA 2's: q/k/v biases, q/k norm, head size, RoPE scaling
 */
public record LlamaConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int maxSeqLen,
                          double ropeTheta, Rope.Style ropeStyle, float normEps, boolean tiedClassifier,
                          Architecture architecture) {
    /** A LLaMA 2 block (head size dim / heads, no biases, no q/k norm, plain RoPE). */
    public LlamaConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int maxSeqLen,
                       double ropeTheta, Rope.Style ropeStyle, float normEps, boolean tiedClassifier) {
        this(dim, hiddenDim, layers, heads, kvHeads, vocabSize, maxSeqLen, ropeTheta, ropeStyle, normEps, tiedClassifier,
                Architecture.llama(plainHeadSize(dim, heads)));
    }

    private static int plainHeadSize(int dim, int heads) {
        positive("dim", dim);
        positive("heads", heads);
        if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        return dim / heads;
    }

    public LlamaConfig {
        positive("dim", dim);
        positive("hiddenDim", hiddenDim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("vocabSize", vocabSize);
        positive("maxSeqLen", maxSeqLen);
        if (architecture == null) throw new IllegalArgumentException("architecture is required");
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("ropeTheta must be positive, got " + ropeTheta);
        if (!(normEps > 0)) throw new IllegalArgumentException("normEps must be positive, got " + normEps);
        if (ropeStyle == null) throw new IllegalArgumentException("ropeStyle is required");
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /** Size of one attention head (dim / heads unless the architecture sets its own). */
    public int headSize() {
        return architecture.headSize();
    }

    /** Width of the query projection and of attention's output: heads · headSize (dim for most families). */
    public int qDim() {
        return heads * headSize();
    }

    /** The RoPE table of this model: its head size, context, frequencies (theta and scaling) and pairing. */
    public Rope newRope() {
        return new Rope(headSize(), maxSeqLen, architecture.ropeScaling().inverseFrequencies(ropeTheta, headSize()), ropeStyle);
    }

    /** Width of the key and value projections: kvHeads · headSize. */
    public int kvDim() {
        return kvHeads * headSize();
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Trainable parameters of the whole model (the classifier counted once when tied). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * qDim() * 2 + 2L * kvDim() * dim + 3L * dim * hiddenDim;
        if (architecture.qkvBias()) perLayer += qDim() + 2L * kvDim();
        if (architecture.qkNorm()) perLayer += 2L * headSize();
        return (long) vocabSize * dim * (tiedClassifier ? 1 : 2) + dim + perLayer * layers;
    }

    /** The same model with another RoPE pairing (the q/k rows must be permuted to match; see the formats). */
    public LlamaConfig withRopeStyle(Rope.Style style) {
        return new LlamaConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, maxSeqLen, ropeTheta, style, normEps, tiedClassifier,
                architecture);
    }
}
