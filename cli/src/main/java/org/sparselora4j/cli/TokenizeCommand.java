package org.sparselora4j.cli;

import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.chat.ChatTemplates;
import org.sparselora4j.models.chat.MessagesFile;
import org.sparselora4j.models.format.Gguf;
import org.sparselora4j.models.format.GgufModel;
import org.sparselora4j.models.format.HuggingFaceTokenizer;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tokenize --model F [--tokenizer F] (--text TEXT | --messages FILE) [--no-bos] [--special]}: prints
 * {@code {"text": ..., "tokens": [...]}}, the text encoded and its ids. Only the tokenizer is read, never the weights.
 * With {@code --text}: BOS as the tokenizer's post-processor adds it (none for Qwen) unless {@code --no-bos};
 * special-token markup such as {@code <|eot_id|>} is one token only with {@code --special}. With {@code --messages}:
 * the conversation rendered by the model's chat template, encoded as transformers encodes a rendered chat (no BOS
 * added, since the template writes its own; markup as special tokens).
 */
final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "token ids of a text or a rendered conversation; JSON with the text and the ids";
    }

    @Override
    public List<Args.Flag> flags() {
        return List.of(
                Args.Flag.value("model", "model file or folder whose tokenizer is used (GGUF, Hugging Face folder, llama2.c .bin with --tokenizer)"),
                Args.Flag.value("tokenizer", "tokenizer file (tokenizer.json, a GGUF, llama2.c tokenizer.bin); wins over the model's"),
                Args.Flag.value("text", "the text to encode"),
                Args.Flag.value("messages", "a JSON file {\"messages\": [{\"role\": ..., \"content\": ...}, ...]} rendered with the chat template"),
                Args.Flag.toggle("no-bos", "do not add the BOS that the tokenizer adds before a text"),
                Args.Flag.toggle("special", "parse special-token markup in --text (e.g. <|eot_id|>) as those tokens"));
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws Exception {
        if (args.has("text") == args.has("messages")) throw new UsageException(name() + ": give exactly one of --text and --messages");
        Path model = args.path("model");
        if (!Files.exists(model)) throw new IOException("--model " + model + ": no such file or folder");
        Tokenizer tokenizer = tokenizer(model, args);
        String text;
        int[] tokens;
        if (args.has("text")) {
            text = args.required("text");
            tokens = tokenizer.encode(text, !args.flag("no-bos"), false, args.flag("special"));
        } else {
            text = render(model, args);
            // A chat template writes its own BOS and markup: the text is encoded as is, its markup as special tokens.
            tokens = tokenizer.encode(text, false, false, true);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("text", text);
        result.put("tokens", tokens);
        out.println(Json.write(result));
        return 0;
    }

    /**
     * The conversation in {@code messages} rendered with the model's chat template (tokenizer_config.json's
     * {@code chat_template}, {@code chat_template.jinja}, or GGUF {@code tokenizer.chat_template}), without a
     * generation prompt: the chat part's {@link ChatTemplates} and {@link MessagesFile}.
     */
    private String render(Path model, Args args) throws IOException {
        Path messages = args.path("messages");
        if (!Files.isRegularFile(messages)) throw new IOException("--messages " + messages + ": no such file");
        Optional<Path> tokenizer = args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty();
        ChatTemplate template = ChatTemplates.find(model, tokenizer)
                .orElseThrow(() -> new UsageException(name() + ": --messages needs a chat template and " + model + " has none"));
        return MessagesFile.render(messages, template, false);
    }

    /** The tokenizer given by {@code --tokenizer}, else the one the model carries; the weights are not loaded. */
    private Tokenizer tokenizer(Path model, Args args) throws IOException {
        if (args.has("tokenizer")) {
            Path given = args.path("tokenizer");
            if (!Files.exists(given)) throw new IOException("--tokenizer " + given + ": no such file");
            return ModelFiles.loadTokenizer(given, Integer.MAX_VALUE);
        }
        return switch (ModelFiles.detect(model)) {
            case GGUF -> {
                try (Gguf gguf = Gguf.open(model)) {
                    yield GgufModel.tokenizer(gguf).orElseThrow(() -> new ModelFormatException(model, "holds no tokenizer (no tokenizer.ggml.model); give --tokenizer"));
                }
            }
            case HUGGING_FACE_FOLDER -> {
                if (!Files.isRegularFile(model.resolve("tokenizer.json"))) throw new ModelFormatException(model, "has no tokenizer.json; give --tokenizer");
                yield HuggingFaceTokenizer.load(model.resolve("tokenizer.json"));
            }
            case LLAMA2C, SAFETENSORS -> throw new UsageException(name() + ": --tokenizer is required: " + model + " holds no tokenizer");
        };
    }
}
