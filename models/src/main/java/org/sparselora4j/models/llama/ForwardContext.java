package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.kernel.Rope;

/**
 * What a block needs to know about the batch it runs on: the batch itself (for the token split SparseLoRA
 * makes between context and output tokens), each row's position and validity, the RoPE table, and the
 * optimizer step (for SparseLoRA's dense warm-up).
 */
public record ForwardContext(TokenBatch batch, int[] positions, boolean[] valid, Rope rope, long step) {
    public static ForwardContext of(TokenBatch batch, Rope rope, long step) {
        return new ForwardContext(batch, batch.positions(), batch.valid(), rope, step);
    }
}
