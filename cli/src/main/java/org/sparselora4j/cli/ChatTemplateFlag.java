package org.sparselora4j.cli;

import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.chat.ChatTemplates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --chat-template FILE}: the Jinja template that {@code messages} (and Alpaca) data are rendered with; by
 * default the model's own (its folder's {@code chat_template.jinja} or {@code tokenizer_config.json}, or GGUF
 * {@code tokenizer.chat_template}). A file given here gets the model's BOS/EOS strings.
 */
final class ChatTemplateFlag {
    static final Args.Flag FLAG = Args.Flag.value("chat-template", "Jinja chat template file for {messages} data (default: the model's own)");

    private ChatTemplateFlag() {
    }

    static Optional<ChatTemplate> resolve(Args args, Path model, Optional<Path> tokenizer) throws IOException {
        if (!args.has("chat-template")) return ChatTemplates.find(model, tokenizer);
        Path file = args.path("chat-template");
        if (!Files.isRegularFile(file)) throw new IOException("--chat-template " + file + ": no such file");
        String source = Files.readString(file, StandardCharsets.UTF_8);
        return Optional.of(ChatTemplate.parse(source, file.toString(), ChatTemplates.specialTokens(model, tokenizer)));
    }
}
