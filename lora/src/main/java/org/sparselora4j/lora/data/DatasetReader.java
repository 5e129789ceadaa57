package org.sparselora4j.lora.data;

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
import java.util.function.Consumer;

/**
 * Reads training data into tokenized {@link Example}s. Three kinds, told apart by content:
 * <ul>
 * <li>JSONL with {@code {"prompt": ..., "completion": ...}} per line: loss on the completion only;</li>
 * <li>JSONL with {@code {"text": ...}} per line: loss on every token after BOS;</li>
 * <li>plain text: cut into windows of {@code maxSeqLen} tokens, loss on all of them.</li>
 * </ul>
 * Prompts get BOS, completions and texts end with EOS. A record longer than {@code maxSeqLen} loses the start of
 * its prompt; one whose completion alone does not fit is dropped. Both are reported through {@code warn}.
 */
public final class DatasetReader {
    private final Tokenizer tokenizer;
    private final int maxSeqLen;
    private final Consumer<String> warn;
    private int warnings;

    /** Warnings printed in full before the rest are only counted. */
    private static final int SHOWN_WARNINGS = 3;

    public DatasetReader(Tokenizer tokenizer, int maxSeqLen, Consumer<String> warn) {
        if (maxSeqLen < 2) throw new IllegalArgumentException("maxSeqLen must be at least 2, got " + maxSeqLen);
        this.tokenizer = tokenizer;
        this.maxSeqLen = maxSeqLen;
        this.warn = warn;
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
            if (record.get("prompt") instanceof String prompt && record.get("completion") instanceof String completion) {
                example = pair(prompt, completion, where);
            } else if (record.get("text") instanceof String t) {
                example = text(t, where);
            } else {
                throw new DatasetException(where + ": expected string fields \"prompt\" and \"completion\", or \"text\"; found " + record.keySet());
            }
            if (example != null) out.add(example);
        }
        return out;
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

    private List<Example> readPlain(String text) {
        int[] all = tokenizer.encode(text, false, false);
        List<Example> out = new ArrayList<>();
        int window = maxSeqLen - 1; // each window starts with BOS
        for (int start = 0; start + 1 < all.length; start += window) {
            int end = Math.min(all.length, start + window);
            int[] tokens = new int[end - start + 1];
            tokens[0] = tokenizer.bos();
            System.arraycopy(all, start, tokens, 1, end - start);
            if (tokens.length >= 2) out.add(new Example(tokens, 1));
        }
        return out;
    }
}
