/**
 * The LLaMA architecture: config, weights, attention with grouped-query heads, SwiGLU MLP, blocks; training forward, KV-cached inference and sampling. Knows nothing of LoRA, sparsity or accelerators.
 */
package org.sparselora4j.models.llama;
