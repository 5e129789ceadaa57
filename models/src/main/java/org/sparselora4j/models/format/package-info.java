/**
 * Checkpoint formats (llama2.c .bin, Hugging Face safetensors folders, GGUF) and tokenizers, recognised by content.
 */
package org.sparselora4j.models.format;
