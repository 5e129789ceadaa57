package org.sparselora4j.models.format;

import org.sparselora4j.models.llama.LlamaWeights;

import java.util.Optional;

/**
 * What {@link ModelFiles#load} found: the weights, the tokenizer (given, or carried by the model file), and a
 * one-line description of where they came from.
 */
public record LoadedModel(LlamaWeights weights, Optional<Tokenizer> tokenizer, ModelFiles.Format format, String description) {
}
