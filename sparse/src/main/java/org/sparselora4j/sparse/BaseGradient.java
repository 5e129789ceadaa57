package org.sparselora4j.sparse;

/**
 * What the backward pass sends through the frozen base path of the sparse (context) tokens (METHODS.md 1.6).
 */
public enum BaseGradient {
    /** The exact gradient: the gathered rows and columns' adjoints (the default). */
    EXACT,
    /**
     * The reference code's Hugging Face path: in a sparse attention layer the sliced base outputs of the
     * LoRA-wrapped q, k, v and o projections are computed without gradient for the sparse tokens, so their input
     * gradient there comes only from the LoRA branches and the residual stream. The FFN stays exact.
     */
    DETACHED
}
