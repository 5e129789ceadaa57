package org.sparselora4j.lora.data;

import org.sparselora4j.models.chat.ChatMessage;
import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Tokenizer;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads training data into tokenized {@link Example}s. These kinds, told apart by content:
 * <ul>
 * <li>JSONL with {@code {"messages": [{"role": "system"|"user"|"assistant", "content": ...}, ...]}} per line:
 * rendered with the model's chat template, loss on the assistant turns only ({@link ChatExamples}); a model
 * without a template cannot read these;</li>
 * <li>JSONL with Alpaca's {@code {"instruction", "input", "output"}}: through the chat template as a user turn
 * (instruction, a blank line, input) and an assistant turn (output) when the model has one, else in Alpaca's own
 * prompt format ({@code ### Instruction:} ... {@code ### Response:}) as a prompt/completion pair;</li>
 * <li>JSONL with {@code {"prompt": ..., "completion": ...}} per line: loss on the completion only;</li>
 * <li>JSONL with {@code {"text": ...}} per line: loss on every token after the first;</li>
 * <li>plain text: cut into windows of {@code maxSeqLen} tokens, loss on all of them.</li>
 * </ul>
 * Prompts, texts and windows start as the tokenizer starts a sequence ({@link Tokenizer#bosPrefix()}: BOS for
 * LLaMA-style tokenizers, nothing for Qwen's, which set {@code add_bos_token} false); completions and texts end
 * with EOS. A record longer than {@code maxSeqLen} loses the start of its prompt; one whose completion alone does not fit is dropped; a conversation longer than that loses its end,
 * and is dropped when no assistant token is left. All are reported through {@code warn}.
 */
public final class DatasetReader {
    private final Tokenizer tokenizer;
    private final int maxSeqLen;
    private final Consumer<String> warn;
    private final Optional<ChatTemplate> template;
    private int warnings;

    /** Warnings printed in full before the rest are only counted. */
    private static final int SHOWN_WARNINGS = 3;

    /** The words of Stanford Alpaca's prompt, for models without a chat template. */
    static final String ALPACA_WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    static final String ALPACA = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n%s\n\n### Response:\n";

    public DatasetReader(Tokenizer tokenizer, int maxSeqLen, Consumer<String> warn) {
        this(tokenizer, maxSeqLen, warn, Optional.empty());
    }

    /** {@code template}: the model's chat template, which {@code messages} records need. */
    public DatasetReader(Tokenizer tokenizer, int maxSeqLen, Consumer<String> warn, Optional<ChatTemplate> template) {
        if (maxSeqLen < 2) throw new IllegalArgumentException("maxSeqLen must be at least 2, got " + maxSeqLen);
        this.tokenizer = tokenizer;
        this.maxSeqLen = maxSeqLen;
        this.warn = warn;
        this.template = template;
    }

    public List<Example> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new DatasetException(file + ": no such data file");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException(file + ": not UTF-8 text");
        }
        warnings = 0;
        List<Example> examples = text.stripLeading().startsWith("{") ? readJsonl(file, text) : readPlain(text);
        if (warnings > SHOWN_WARNINGS) {
            warn.accept(file + ": " + (warnings - SHOWN_WARNINGS) + " more records were cut or dropped in the same way (" + warnings + " in all)");
        }
        if (examples.isEmpty()) throw new DatasetException(file + ": no usable examples");
        return examples;
    }

    /** Tokenizes one prompt/completion pair; null (with a warning) when the completion alone does not fit. */
    public Example pair(String prompt, String completion, String where) {
        int[] p = tokenizer.encode(prompt, true, false);
        int[] c = tokenizer.encode(completion, false, true);
        if (c.length + 1 > maxSeqLen) {
            warning(where + ": completion of " + c.length + " tokens does not fit the context of " + maxSeqLen + "; example dropped");
            return null;
        }
        int keepPrompt = Math.min(p.length, maxSeqLen - c.length);
        if (keepPrompt < p.length) {
            warning(where + ": " + (p.length + c.length) + " tokens exceed the context of " + maxSeqLen
                    + "; dropped the first " + (p.length - keepPrompt) + " prompt tokens");
        }
        int[] tokens = new int[keepPrompt + c.length];
        tokens[0] = p[0]; // keep BOS, drop from the start of the prompt text
        System.arraycopy(p, p.length - keepPrompt + 1, tokens, 1, keepPrompt - 1);
        System.arraycopy(c, 0, tokens, keepPrompt, c.length);
        return new Example(tokens, keepPrompt);
    }

    private void warning(String message) {
        if (++warnings <= SHOWN_WARNINGS) warn.accept(message);
    }

    private List<Example> readJsonl(Path file, String text) {
        List<Example> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            String where = file + " line " + (i + 1);
            Map<String, Object> record;
            try {
                record = Json.parseObject(line);
            } catch (IllegalArgumentException e) {
                throw new DatasetException(where + ": malformed JSON (" + e.getMessage() + ")");
            }
            Example example;
            if (record.containsKey("messages")) {
                example = chat(ChatExamples.messages(record.get("messages"), where), where);
            } else if (record.containsKey("instruction") || record.containsKey("output")) {
                example = alpaca(record, where);
            } else if (record.get("prompt") instanceof String prompt && record.get("completion") instanceof String completion) {
                example = pair(prompt, completion, where);
            } else if (record.get("text") instanceof String t) {
                example = text(t, where);
            } else {
                throw new DatasetException(where + ": expected \"messages\", string fields \"instruction\" and \"output\", \"prompt\" and \"completion\", or \"text\"; found " + record.keySet());
            }
            if (example != null) out.add(example);
        }
        return out;
    }

    private Example alpaca(Map<String, Object> record, String where) {
        if (!(record.get("instruction") instanceof String instruction)) throw new DatasetException(where + ": instruction: expected a string");
        if (!(record.get("output") instanceof String output)) throw new DatasetException(where + ": output: expected a string");
        Object in = record.get("input");
        if (in != null && !(in instanceof String)) throw new DatasetException(where + ": input: expected a string");
        String input = (String) in;
        if (template.isPresent()) return chat(ChatExamples.alpaca(instruction, input, output), where);
        String prompt = input == null || input.isBlank() ? String.format(ALPACA, instruction) : String.format(ALPACA_WITH_INPUT, instruction, input);
        return pair(prompt, output, where);
    }

    private Example chat(List<ChatMessage> messages, String where) {
        if (template.isEmpty()) {
            throw new DatasetException(where + ": a \"messages\" record needs the model's chat template, and the model has none "
                    + "(no chat_template in tokenizer_config.json, no chat_template.jinja, no GGUF tokenizer.chat_template); give one with --chat-template FILE");
        }
        Example e = new ChatExamples(tokenizer, template.get()).example(messages, where);
        if (e.length() <= maxSeqLen) return e;
        int[] tokens = java.util.Arrays.copyOf(e.tokens(), maxSeqLen);
        boolean[] labelled = java.util.Arrays.copyOf(e.labelled(), maxSeqLen);
        boolean any = false;
        for (boolean l : labelled) any |= l;
        if (!any) {
            warning(where + ": conversation of " + e.length() + " tokens has no assistant token within the context of " + maxSeqLen + "; example dropped");
            return null;
        }
        warning(where + ": conversation of " + e.length() + " tokens cut to the context of " + maxSeqLen);
        return new Example(tokens, labelled);
    }

    private Example text(String t, String where) {
        int[] tokens = tokenizer.encode(t, true, true);
        if (tokens.length > maxSeqLen) {
            warning(where + ": text of " + tokens.length + " tokens cut to the context of " + maxSeqLen);
            tokens = java.util.Arrays.copyOf(tokens, maxSeqLen);
        }
        if (tokens.length < 2) {
            warning(where + ": empty text; skipped");
            return null;
        }
        return new Example(tokens, 1);
    }

    /**
     * Windows of {@code maxSeqLen} tokens, each starting as the tokenizer starts a sequence ({@link Tokenizer#bosPrefix()}:
     * BOS for LLaMA, nothing for Qwen, whose {@code bos()} is {@code <|endoftext|>}, a document separator).
     */
    private List<Example> readPlain(String text) {
        int[] all = tokenizer.encode(text, false, false);
        int[] prefix = tokenizer.bosPrefix();
        if (prefix.length >= maxSeqLen) throw new IllegalArgumentException("the tokenizer's BOS prefix of " + prefix.length + " tokens leaves no room in a context of " + maxSeqLen);
        List<Example> out = new ArrayList<>();
        int window = maxSeqLen - prefix.length;
        for (int start = 0; start + 1 < all.length; start += window) { // a window holds two text tokens at least
            int end = Math.min(all.length, start + window);
            int[] tokens = new int[prefix.length + end - start];
            System.arraycopy(prefix, 0, tokens, 0, prefix.length);
            System.arraycopy(all, start, tokens, prefix.length, end - start);
            out.add(new Example(tokens, 1));
        }
        return out;
    }
}
