package org.sparselora4j.models.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A BPE tokenizer as Hugging Face's {@code tokenizer.json} describes it (also built from a GGUF {@code gpt2}
 * vocabulary): vocab and ranked merges, applied to each word lowest rank first (leftmost on ties). Two text
 * conventions: SentencePiece-style (LLaMA 1/2, Mistral: spaces become U+2581, characters missing from the vocab
 * fall back to {@code <0xHH>} byte tokens) and GPT-2 byte-level (Llama 3, Qwen, SmolLM: text split by a regex,
 * each byte mapped to a printable character). Added tokens are matched in the text first and never merged;
 * special ones only when asked, and they decode to nothing unless asked.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
    /**
     * An added token: matched whole in the text; {@code special} ones (control tokens) only when special parsing is
     * on. As in Hugging Face's added vocabulary: {@code lstrip} and {@code rstrip} take the white space before or
     * after a match into the token (so it is not encoded), and a {@code singleWord} token matches only where no word
     * character ({@code \w}: letters, marks, digits, connectors) touches it on either side.
     */
    record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {
        /** A token matched anywhere, taking no white space with it. */
        AddedToken(String content, int id, boolean special) {
            this(content, id, special, false, false, false);
        }
    }

    /**
     * What a tokenizer is made of.
     *
     * @param pieces       id → token text as in the vocab (byte-level characters for ByteLevel styles), null for unused ids
     * @param merges       ranked merges, each two token texts
     * @param mergesField  where the merges came from, for error messages ("model.merges", "tokenizer.ggml.merges")
     * @param ignoreMerges a word that is itself a token is taken whole, without merging (Llama 3)
     * @param bosPrefix    what the post-processor puts before the text when BOS is asked for (empty for Qwen)
     */
    record Spec(String[] pieces, List<String[]> merges, String mergesField, TextStyle style, boolean byteFallback, int unk,
                boolean ignoreMerges, List<AddedToken> added, int bos, int eos, int[] bosPrefix) {
    }

    private final String[] pieces;
    private final VocabIndex ids;
    private final MergeTable merges;
    private final TextStyle style;
    private final boolean ignoreMerges;
    private final int[] byteTokens;                // byte → <0xHH> id, or -1
    private final int[] charTokens;                // byte-level char (< 512) → its one-char token id, or -1
    private final int unk;
    private final AddedTokenTrie added;
    private final boolean[] special;
    private final int bos;
    private final int eos;
    private final int[] bosPrefix;

    HuggingFaceTokenizer(Spec spec) {
        this.pieces = spec.pieces().clone();
        this.ids = new VocabIndex(pieces);
        List<String[]> mergeList = spec.merges();
        this.merges = new MergeTable(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            int a = ids.id(m[0]), b = ids.id(m[1]), ab = ids.idOfConcat(m[0], m[1]);
            String missing = a < 0 ? m[0] : b < 0 ? m[1] : ab < 0 ? m[0] + m[1] : null;
            if (missing != null) {
                throw new IllegalArgumentException(spec.mergesField() + "[" + rank + "] \"" + m[0] + " " + m[1] + "\" names \"" + missing
                        + "\", which is not in the vocab");
            }
            merges.putIfAbsent(a, b, rank, ab);
        }
        this.style = spec.style();
        this.ignoreMerges = spec.ignoreMerges();
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) byteTokens[b] = spec.byteFallback() ? ids.id(String.format("<0x%02X>", b)) : -1;
        this.charTokens = new int[512];
        for (int c = 0; c < charTokens.length; c++) charTokens[c] = ids.id(String.valueOf((char) c));
        this.unk = spec.unk();
        this.special = new boolean[pieces.length];
        for (AddedToken t : spec.added()) {
            if (t.id() < 0 || t.id() >= pieces.length) throw new IllegalArgumentException("added token " + t.content() + " has id " + t.id() + " outside the vocab");
            special[t.id()] = t.special();
        }
        this.added = new AddedTokenTrie(spec.added());
        this.bos = spec.bos();
        this.eos = spec.eos();
        this.bosPrefix = spec.bosPrefix().clone();
    }

    /** Reads {@code tokenizer.json}; BOS/EOS come from a {@code tokenizer_config.json} beside it when present. */
    public static HuggingFaceTokenizer load(Path file) throws IOException {
        try {
            return HuggingFaceTokenizerJson.parse(file, TextFiles.readUtf8(file), siblingConfig(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "missing");
        }
    }

    private static Map<String, Object> siblingConfig(Path file) throws IOException {
        Path config = file.toAbsolutePath().resolveSibling("tokenizer_config.json");
        if (!Files.isRegularFile(config)) return Map.of();
        try {
            return Json.parseObject(TextFiles.readUtf8(config));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(config, e.getMessage());
        }
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    /** The ids the post-processor puts before the text when BOS is asked for: {@code [bos]} for Llama 3, none for Qwen. */
    @Override
    public int[] bosPrefix() {
        return bosPrefix.clone();
    }

    /** The id of a token's text (an added token's content, or a vocab entry in its stored form), or -1. */
    public int id(String piece) {
        return ids.id(piece);
    }

    /** Added tokens, special ones included, are matched in the text. */
    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        return encode(text, addBos, addEos, true);
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial) {
        Ids out = new Ids(text.length() / 3 + 4);
        if (addBos) {
            for (int id : bosPrefix) out.add(id);
        }
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = added.match(text, i, parseSpecial);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + match.content().length();
            if (match.singleWord() && (wordBefore(text, start) || wordAt(text, stop))) {
                i = stop;   // as Hugging Face's matcher, which goes on after the refused match, not inside it
                continue;
            }
            if (match.lstrip()) {
                while (start > segmentStart && CharClass.isSpace(CharClass.of(text.codePointBefore(start)))) start -= Character.charCount(text.codePointBefore(start));
            }
            if (match.rstrip()) {
                while (stop < text.length() && CharClass.isSpace(CharClass.at(text, stop))) stop += Character.charCount(text.codePointAt(stop));
            }
            if (start > segmentStart) encodeSegment(text.substring(segmentStart, start), segmentStart == 0, out);
            out.add(match.id());
            i = stop;
            segmentStart = stop;
        }
        if (segmentStart < text.length()) encodeSegment(text.substring(segmentStart), segmentStart == 0, out);
        if (addEos) out.add(eos);
        return out.toArray();
    }

    /** Whether the character before {@code at} is a word character. */
    private static boolean wordBefore(String text, int at) {
        return at > 0 && isWord(text.codePointBefore(at));
    }

    /** Whether the character at {@code at} is a word character. */
    private static boolean wordAt(String text, int at) {
        return at < text.length() && isWord(text.codePointAt(at));
    }

    /** The Unicode {@code \w} of Rust's regex, which Hugging Face's single_word check uses: Alphabetic, marks, Nd, Pc, joiners. */
    private static boolean isWord(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }

    private void encodeSegment(String segment, boolean atStart, Ids out) {
        for (String word : style.words(segment, atStart)) bpe(word, out);
    }

    /** Starts from one symbol per character (or its byte tokens) and applies merges in rank order. */
    private void bpe(String word, Ids out) {
        if (ignoreMerges) {
            int whole = ids.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] symbols = new int[word.length() * 4];
        int n = 0;
        for (int i = 0; i < word.length(); ) {
            char c = word.charAt(i);
            if (c < charTokens.length && charTokens[c] >= 0) {
                symbols[n++] = charTokens[c];
                i++;
                continue;
            }
            int cp = word.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += ch.length();
            int id = ids.id(ch);
            if (id >= 0) {
                symbols[n++] = id;
                continue;
            }
            byte[] utf8 = ch.getBytes(StandardCharsets.UTF_8);
            boolean allBytes = true;
            for (byte b : utf8) allBytes &= byteTokens[b & 0xFF] >= 0;
            if (allBytes) {
                for (byte b : utf8) symbols[n++] = byteTokens[b & 0xFF];
            } else if (unk >= 0) {
                if (n == 0 || symbols[n - 1] != unk) symbols[n++] = unk; // fuse consecutive unknowns
            }
            // Else the character is dropped, as Hugging Face's BPE does when there is neither a token nor an unk_token.
        }
        while (n > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE, bestId = -1;
            for (int i = 0; i < n - 1; i++) {
                int slot = merges.find(symbols[i], symbols[i + 1]);
                if (slot >= 0 && merges.rank(slot) < bestRank) {
                    bestRank = merges.rank(slot);
                    bestId = merges.merged(slot);
                    best = i;
                }
            }
            if (best < 0) break;
            symbols[best] = bestId;
            System.arraycopy(symbols, best + 2, symbols, best + 1, n - best - 2);
            n--;
        }
        for (int i = 0; i < n; i++) out.add(symbols[i]);
    }

    /** The bytes of a token: special tokens give none; a leading space right after BOS is dropped. */
    public byte[] decodeBytes(int previous, int token) {
        return decodeBytes(previous, token, false);
    }

    private byte[] decodeBytes(int previous, int token, boolean keepSpecial) {
        if (token < 0 || token >= pieces.length || pieces[token] == null) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + pieces.length);
        }
        if (special[token] && !keepSpecial) return new byte[0];
        byte[] bytes = style.bytes(pieces[token]);
        if (previous == bos && style.prependsSpace() && bytes.length > 0 && bytes[0] == ' ') {
            return Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return bytes;
    }

    @Override
    public String decode(int previous, int token) {
        return new String(decodeBytes(previous, token), StandardCharsets.UTF_8);
    }

    @Override
    public String decode(int[] tokens) {
        return decode(tokens, false);
    }

    /** The text of a sequence; with {@code keepSpecial} special tokens give their text, as Hugging Face's decode does by default. */
    public String decode(int[] tokens, boolean keepSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = bos;
        for (int t : tokens) {
            if (t != bos || keepSpecial) out.writeBytes(decodeBytes(previous, t, keepSpecial));
            previous = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A growable int array. */
    private static final class Ids {
        private int[] data;
        private int size;

        Ids(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        void add(int id) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = id;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
