/**
 * Kernels: matmuls in three layouts, gathered matmuls, attention heads' in-place products ({@link
 * org.sparselora4j.tensor.kernel.HeadMatMul}), elementwise ops, reductions, RMSNorm, RoPE, softmax,
 * SwiGLU and cross-entropy, with their backward kernels, and the vectorized exp they share. Each fast (Vector
 * API) kernel has a plain scalar twin beside it that defines it and that tests compare against. Kernels
 * allocate only their results (and, in cross-entropy, one double per row so that the summed loss does not
 * depend on the thread count); nothing here keeps state between calls, except what a caller chooses to keep: a
 * {@link org.sparselora4j.tensor.kernel.PackedMatrix} (a weight packed once for the GEMM) and the GEMM's per-thread
 * scratch.
 */
package org.sparselora4j.tensor.kernel;
