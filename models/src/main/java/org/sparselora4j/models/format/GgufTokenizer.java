package org.sparselora4j.models.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tokenizer stored in a GGUF file's {@code tokenizer.ggml.*} keys: {@code model} "llama" (SentencePiece pieces
 * with scores) or "gpt2" (byte-level BPE: tokens, merges, token types, and {@code pre}, the name llama.cpp gives the
 * pre-tokenizer). Each {@code pre} maps to the Hugging Face pre-tokenizer that the converted tokenizer.json had.
 */
final class GgufTokenizer {
    /** llama.cpp's token types (llama_token_type): control tokens are special, user-defined ones are plain added tokens. */
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int MAX_VOCAB = 1 << 24;

    private GgufTokenizer() {
    }

    /** The file's tokenizer; empty when it has none. */
    static Optional<Tokenizer> read(Gguf gguf) throws ModelFormatException {
        Map<String, Object> m = gguf.metadata();
        Object model = m.get("tokenizer.ggml.model");
        if (model == null) return Optional.empty();
        return switch (String.valueOf(model)) {
            case "llama" -> Optional.of(sentencePiece(gguf));
            case "gpt2" -> Optional.of(byteLevel(gguf));
            default -> throw error(gguf, "tokenizer.ggml.model " + model + " is not supported (llama, gpt2)");
        };
    }

    private static SentencePieceTokenizer sentencePiece(Gguf gguf) throws ModelFormatException {
        Map<String, Object> m = gguf.metadata();
        List<String> tokens = tokens(gguf);
        byte[][] pieces = new byte[tokens.size()][];
        for (int i = 0; i < pieces.length; i++) pieces[i] = tokens.get(i).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        float[] scores = new float[pieces.length];
        if (m.get("tokenizer.ggml.scores") instanceof List<?> list) {
            if (list.size() != pieces.length) throw error(gguf, list.size() + " tokenizer.ggml.scores for " + pieces.length + " tokens");
            for (int i = 0; i < scores.length; i++) {
                if (!(list.get(i) instanceof Number n)) throw error(gguf, "tokenizer.ggml.scores[" + i + "] is not a number");
                scores[i] = n.floatValue();
            }
        }
        int bos = id(gguf, "tokenizer.ggml.bos_token_id", 1, pieces.length);
        int eos = id(gguf, "tokenizer.ggml.eos_token_id", 2, pieces.length);
        boolean addBos = !(m.get("tokenizer.ggml.add_bos_token") instanceof Boolean b) || b;   // SentencePiece models add BOS unless told not to
        return new SentencePieceTokenizer(pieces, scores, bos, eos, addBos);
    }

    private static HuggingFaceTokenizer byteLevel(Gguf gguf) throws ModelFormatException {
        Map<String, Object> m = gguf.metadata();
        String[] pieces = tokens(gguf).toArray(new String[0]);
        List<String[]> merges = new ArrayList<>();
        if (!(m.get("tokenizer.ggml.merges") instanceof List<?> list)) throw error(gguf, "tokenizer.ggml.model gpt2 without tokenizer.ggml.merges");
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s) || s.indexOf(' ', 1) < 0) throw error(gguf, "tokenizer.ggml.merges[" + i + "] is not two tokens");
            int space = s.indexOf(' ', 1);
            merges.add(new String[] {s.substring(0, space), s.substring(space + 1)});
        }
        List<HuggingFaceTokenizer.AddedToken> added = new ArrayList<>();
        if (m.get("tokenizer.ggml.token_type") instanceof List<?> types) {
            if (types.size() != pieces.length) throw error(gguf, types.size() + " tokenizer.ggml.token_type for " + pieces.length + " tokens");
            for (int i = 0; i < pieces.length; i++) {
                if (!(types.get(i) instanceof Long t)) throw error(gguf, "tokenizer.ggml.token_type[" + i + "] is not an integer");
                if (t == CONTROL || t == USER_DEFINED) added.add(new HuggingFaceTokenizer.AddedToken(pieces[i], i, t == CONTROL));
            }
        }
        String pre = m.get("tokenizer.ggml.pre") instanceof String s ? s : "default";
        boolean ignoreMerges = List.of("llama-bpe", "llama3", "llama-v3").contains(pre);   // as llama.cpp and Llama 3's tokenizer.json
        TextStyle style = style(gguf, pre);
        int bos = id(gguf, "tokenizer.ggml.bos_token_id", -1, pieces.length);
        int eos = id(gguf, "tokenizer.ggml.eos_token_id", -1, pieces.length);
        if (eos < 0) throw error(gguf, "no tokenizer.ggml.eos_token_id");
        if (bos < 0) bos = eos;
        boolean addBos = m.get("tokenizer.ggml.add_bos_token") instanceof Boolean b ? b : false;
        try {
            return new HuggingFaceTokenizer(new HuggingFaceTokenizer.Spec(pieces, merges, "tokenizer.ggml.merges", style, false, -1,
                    ignoreMerges, added, bos, eos, addBos ? new int[] {bos} : new int[0]));
        } catch (IllegalArgumentException e) {
            throw error(gguf, e.getMessage());
        }
    }

    /**
     * The pre-tokenizer of a llama.cpp {@code pre} name, as in the tokenizer.json it was converted from (Qwen2's
     * NFC normalizer included, which llama.cpp itself skips).
     */
    private static TextStyle style(Gguf gguf, String pre) throws ModelFormatException {
        return switch (pre) {
            case "llama-bpe", "llama3", "llama-v3" -> new TextStyle(List.of(),
                    new TextStyle.ByteLevel(List.of(new TextStyle.Regex(SplitPattern.LLAMA3_PATTERN)), false, false));
            case "qwen2", "deepseek-r1-qwen" -> new TextStyle(List.of(new TextStyle.Nfc()),
                    new TextStyle.ByteLevel(List.of(new TextStyle.Regex(SplitPattern.QWEN2_PATTERN)), false, false));
            case "smollm", "starcoder", "refact" -> new TextStyle(List.of(), new TextStyle.ByteLevel(List.of(new TextStyle.Digits(true)), false, true));
            case "gpt-2", "gpt2" -> new TextStyle(List.of(), new TextStyle.ByteLevel(List.of(), false, true));
            default -> throw error(gguf, "tokenizer.ggml.pre " + pre + " is not supported (llama-bpe, qwen2, smollm, gpt-2 and their aliases)");
        };
    }

    private static List<String> tokens(Gguf gguf) throws ModelFormatException {
        if (!(gguf.metadata().get("tokenizer.ggml.tokens") instanceof List<?> list)) throw error(gguf, "no tokenizer.ggml.tokens");
        if (list.size() > MAX_VOCAB) throw error(gguf, "tokenizer.ggml.tokens has " + list.size() + " entries, more than " + MAX_VOCAB);
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) throw error(gguf, "tokenizer.ggml.tokens[" + i + "] is not a string");
            out.add(s);
        }
        return out;
    }

    private static int id(Gguf gguf, String key, int fallback, int vocab) throws ModelFormatException {
        Object v = gguf.metadata().get(key);
        if (v == null) return fallback;
        if (!(v instanceof Long n) || n < 0 || n >= vocab) throw error(gguf, key + " " + v + " is outside the " + vocab + " tokens");
        return (int) (long) n;
    }

    private static ModelFormatException error(Gguf gguf, String problem) {
        return new ModelFormatException(gguf.path(), problem);
    }
}
