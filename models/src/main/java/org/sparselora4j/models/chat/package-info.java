/**
 * Chat templates: where a model keeps its template ({@code chat_template} in {@code tokenizer_config.json},
 * a {@code chat_template.jinja} beside it, or GGUF's {@code tokenizer.chat_template}), rendering a conversation
 * exactly as transformers' {@code apply_chat_template} does, and finding the characters of each assistant turn so
 * training can put its loss there. The template language itself lives in {@code models.template}.
 */
package org.sparselora4j.models.chat;
