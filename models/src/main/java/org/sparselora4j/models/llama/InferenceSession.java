package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;

/** One sequence being read or generated: a model and the KV cache of the positions it has seen so far. */
public final class InferenceSession {
    private final LlamaInference model;
    private final KvCache cache;

    public InferenceSession(LlamaInference model, KvCache cache) {
        this.model = model;
        this.cache = cache;
    }

    public LlamaInference model() {
        return model;
    }

    /** The position the next token goes to: tokens seen so far. */
    public int position() {
        return cache.length();
    }

    /** Positions left in the cache. */
    public int remaining() {
        return cache.capacity() - cache.length();
    }

    /** Reads {@code tokens} at the next positions in one batch; logits (n, vocab), row r predicting the token after tokens[r]. */
    public Tensor prefill(int[] tokens) {
        return model.forward(tokens, cache);
    }

    /** Reads one token at the next position; the logits (vocab) of the token after it. */
    public float[] next(int token) {
        return model.forward(new int[] {token}, cache).toArray();
    }

    /** Forgets every position, to start a new sequence. */
    public void reset() {
        cache.truncate(0);
    }
}
