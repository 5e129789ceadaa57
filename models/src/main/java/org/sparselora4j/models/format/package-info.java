/**
 * Checkpoint formats (llama2.c .bin, Hugging Face safetensors folders, GGUF) and tokenizers (llama2.c
 * tokenizer.bin, GGUF's SentencePiece vocabulary, Hugging Face tokenizer.json BPE), recognised by content
 * ({@link org.sparselora4j.models.format.ModelFiles}). Files are memory-mapped and validated before anything large
 * is allocated; every problem is a one-line {@link org.sparselora4j.models.format.ModelFormatException} naming the
 * file. Loaders produce {@link org.sparselora4j.models.llama.LlamaWeights}; no model math lives here.
 */
package org.sparselora4j.models.format;
