/**
 * The LLaMA architecture: config, weights, attention with grouped-query heads, SwiGLU MLP, blocks; training forward, KV-cached inference and sampling. Knows nothing of LoRA, sparsity or accelerators.
 * The families built on this block (Llama 3, Mistral, Qwen2/2.5, Qwen3) are data on the config ({@link org.sparselora4j.models.llama.Architecture}:
 * q/k/v biases, q/k norms, head size, RoPE scaling), read by the one block; there is no class per family.
 */
package org.sparselora4j.models.llama;
