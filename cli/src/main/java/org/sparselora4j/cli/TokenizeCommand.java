package org.sparselora4j.cli;

import org.sparselora4j.models.chat.ChatTemplate;
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
                Args.Flag.toggle("generation-prompt", "with --messages: end with the assistant header, as add_generation_prompt=True"),
                ChatTemplateFlag.FLAG,
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
            text = render(args, model, args.path("messages"));
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
     * The conversation in {@code messages} rendered with {@code --chat-template}, else the chat template of
     * {@code model} (chat_template.jinja, tokenizer_config.json's {@code chat_template} or GGUF
     * {@code tokenizer.chat_template}), as transformers' {@code apply_chat_template(tokenize=False)} renders it.
     */
    static String render(Args args, Path model, Path messages) throws IOException {
        if (!Files.isRegularFile(messages)) throw new IOException("--messages " + messages + ": no such file");
        Optional<Path> tokenizer = args.has("tokenizer") ? Optional.of(args.path("tokenizer")) : Optional.empty();
        ChatTemplate template = ChatTemplateFlag.resolve(args, model, tokenizer).orElseThrow(() -> new ModelFormatException(model,
                "has no chat template (no chat_template.jinja, tokenizer_config.json chat_template or GGUF tokenizer.chat_template); give --chat-template"));
        return MessagesFile.render(messages, template, args.flag("generation-prompt"));
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
