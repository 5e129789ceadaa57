package org.sparselora4j.models.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model: vocab and ranked merges, applied to each word lowest
 * rank first (leftmost on ties). Two text conventions are supported: SentencePiece-style (LLaMA: spaces become
 * U+2581 with one prepended, characters missing from the vocab fall back to {@code <0xHH>} byte tokens) and
 * GPT-2 byte-level (text split by a regex, each byte mapped to a printable character). Added tokens (BOS, EOS,
 * ...) are matched in the text first and never merged; special ones decode to nothing.
 */
public final class HuggingFaceTokenizer implements Tokenizer {
    private final String[] pieces;                 // id → token text as in the vocab
    private final Map<String, Integer> ids;
    private final Map<Long, int[]> merges;         // (left << 32 | right) → {rank, merged id}
    private final TextStyle style;
    private final int[] byteTokens;                // byte → <0xHH> id, or -1
    private final int unk;
    private final List<String> addedTokens;        // longest first, for matching in text
    private final boolean[] special;
    private final int bos;
    private final int eos;

    HuggingFaceTokenizer(String[] pieces, List<String[]> mergeList, TextStyle style, boolean byteFallback, int unk,
                         Map<String, Boolean> added, int bos, int eos) {
        this.pieces = pieces.clone();
        this.ids = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] != null) ids.putIfAbsent(pieces[i], i);
        }
        this.merges = new HashMap<>(mergeList.size() * 2);
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            Integer a = ids.get(m[0]), b = ids.get(m[1]), ab = ids.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new IllegalArgumentException("merge \"" + m[0] + " " + m[1] + "\" uses a token missing from the vocab");
            }
            merges.putIfAbsent(pairKey(a, b), new int[] {rank, ab});
        }
        this.style = style;
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) byteTokens[b] = byteFallback ? ids.getOrDefault(String.format("<0x%02X>", b), -1) : -1;
        this.unk = unk;
        this.special = new boolean[pieces.length];
        List<String> matchable = new ArrayList<>();
        for (Map.Entry<String, Boolean> e : added.entrySet()) {
            Integer id = ids.get(e.getKey());
            if (id == null) throw new IllegalArgumentException("added token " + e.getKey() + " is not in the vocab");
            special[id] = e.getValue();
            if (!e.getKey().isEmpty()) matchable.add(e.getKey());
        }
        matchable.sort((x, y) -> y.length() - x.length());
        this.addedTokens = List.copyOf(matchable);
        this.bos = bos;
        this.eos = eos;
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

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
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

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        List<Integer> out = new ArrayList<>();
        if (addBos) out.add(bos);
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = addedTokenAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > segmentStart) encodeSegment(text.substring(segmentStart, i), segmentStart == 0, out);
            out.add(ids.get(match));
            i += match.length();
            segmentStart = i;
        }
        if (segmentStart < text.length()) encodeSegment(text.substring(segmentStart), segmentStart == 0, out);
        if (addEos) out.add(eos);
        int[] result = new int[out.size()];
        for (int k = 0; k < result.length; k++) result[k] = out.get(k);
        return result;
    }

    private String addedTokenAt(String text, int at) {
        for (String t : addedTokens) {
            if (text.startsWith(t, at)) return t;
        }
        return null;
    }

    private void encodeSegment(String segment, boolean atStart, List<Integer> out) {
        for (String word : style.words(segment, atStart)) bpe(word, out);
    }

    /** Starts from one symbol per character (or its byte tokens) and applies merges in rank order. */
    private void bpe(String word, List<Integer> out) {
        int[] symbols = new int[word.length() * 4];
        int n = 0;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            i += ch.length();
            Integer id = ids.get(ch);
            if (id != null) {
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
                int[] m = merges.get(pairKey(symbols[i], symbols[i + 1]));
                if (m != null && m[0] < bestRank) {
                    bestRank = m[0];
                    bestId = m[1];
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
        if (token < 0 || token >= pieces.length || pieces[token] == null) {
            throw new IllegalArgumentException("token " + token + " outside the vocabulary of " + pieces.length);
        }
        if (special[token]) return new byte[0];
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = bos;
        for (int t : tokens) {
            if (t != bos) out.writeBytes(decodeBytes(previous, t));
            previous = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
