/**
 * Checkpoint formats (llama2.c .bin, Hugging Face safetensors folders, GGUF) and tokenizers (llama2.c
 * tokenizer.bin, GGUF's SentencePiece and byte-level BPE vocabularies, Hugging Face tokenizer.json BPE with the
 * Llama 3 / Qwen2 / GPT-2 pre-tokenizers matched by hand in {@link org.sparselora4j.models.format.SplitPattern}), recognised by content
 * ({@link org.sparselora4j.models.format.ModelFiles}). Files are memory-mapped and validated before anything large
 * is allocated; every problem is a one-line {@link org.sparselora4j.models.format.ModelFormatException} naming the
 * file. Loaders produce {@link org.sparselora4j.models.llama.LlamaWeights}; no model math lives here.
 */
package org.sparselora4j.models.format;
