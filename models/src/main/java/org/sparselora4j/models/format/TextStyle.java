package org.sparselora4j.models.format;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * How a Hugging Face tokenizer turns text into the words that BPE runs on, and token text back into bytes: the
 * {@code normalizer} steps, then the {@code pre_tokenizer}. Only the pieces LLaMA-family and GPT-2 tokenizers use
 * are supported.
 */
record TextStyle(List<Normalizing> normalizers, PreTokenizer preTokenizer) {
    static final char METASPACE = '\u2581';

    TextStyle {
        normalizers = List.copyOf(normalizers);
    }

    /** One normalizer step. */
    sealed interface Normalizing {
        String apply(String s);
    }

    record Prepend(String prefix) implements Normalizing {
        public String apply(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    record Replace(String from, String to) implements Normalizing {
        public String apply(String s) {
            return s.replace(from, to);
        }
    }

    record Nfc() implements Normalizing {
        public String apply(String s) {
            // Below U+0300 (where the combining marks start) every text is already NFC; most lines need no work.
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) >= 0x300) return Normalizer.normalize(s, Normalizer.Form.NFC);
            }
            return s;
        }
    }

    /** Splits normalized text into words and says how token text maps back to bytes. */
    sealed interface PreTokenizer {
    }

    /** No splitting; the whole segment is one word. */
    record Whole() implements PreTokenizer {
    }

    /**
     * SentencePiece-style: spaces become U+2581; one is prepended ({@code prependScheme} "always", or "first" for
     * the segment at the start of the text) unless the text starts with one; {@code split} cuts before each U+2581.
     */
    record Metaspace(String prependScheme, boolean split) implements PreTokenizer {
    }

    /**
     * GPT-2 byte-level: the {@code splits} in order (each cuts the pieces of the one before); then
     * {@code addPrefixSpace} puts a space before a piece that lacks one and {@code ownRegex} (ByteLevel's
     * {@code use_regex}) cuts by GPT-2's regex; then every UTF-8 byte becomes one printable character.
     */
    record ByteLevel(List<Splitting> splits, boolean addPrefixSpace, boolean ownRegex) implements PreTokenizer {
        ByteLevel {
            splits = List.copyOf(splits);
        }
    }

    /** One splitting pre-tokenizer ahead of ByteLevel; its matches and the text between them become pieces. */
    sealed interface Splitting {
        void split(String s, List<String> out);
    }

    /** A {@code Split} regex with the "Isolated" behaviour (or ByteLevel's own GPT-2 regex). */
    record Regex(SplitPattern pattern) implements Splitting {
        public void split(String s, List<String> out) {
            pattern.split(s, out);
        }
    }

    /** {@code Digits}: each number character alone ({@code individual}) or runs of them. */
    record Digits(boolean individual) implements Splitting {
        public void split(String s, List<String> out) {
            int last = 0;
            int i = 0;
            while (i < s.length()) {
                int c = s.codePointAt(i);
                int len = Character.charCount(c);
                if (CharClass.of(c) != CharClass.NUMBER) {
                    i += len;
                    continue;
                }
                int end = i + len;
                while (!individual && end < s.length() && CharClass.at(s, end) == CharClass.NUMBER) end += Character.charCount(s.codePointAt(end));
                if (i > last) out.add(s.substring(last, i));
                out.add(s.substring(i, end));
                i = end;
                last = end;
            }
            if (last < s.length()) out.add(s.substring(last));
        }
    }

    /** The words of one text segment (text between added tokens); {@code atStart}: the segment begins the text. */
    List<String> words(String segment, boolean atStart) {
        String s = segment;
        for (Normalizing n : normalizers) s = n.apply(s);
        return switch (preTokenizer) {
            case Whole w -> s.isEmpty() ? List.of() : List.of(s);
            case Metaspace m -> {
                s = s.replace(' ', METASPACE);
                boolean prepend = m.prependScheme().equals("always") || (m.prependScheme().equals("first") && atStart);
                if (prepend && !s.isEmpty() && s.charAt(0) != METASPACE) s = METASPACE + s;
                yield m.split() ? splitBefore(s, METASPACE) : (s.isEmpty() ? List.of() : List.of(s));
            }
            case ByteLevel b -> {
                List<String> parts = new ArrayList<>();
                if (!s.isEmpty()) parts.add(s);
                for (Splitting splitting : b.splits()) parts = split(parts, splitting);
                if (b.addPrefixSpace()) parts.replaceAll(part -> part.charAt(0) == ' ' ? part : " " + part);
                if (b.ownRegex()) parts = split(parts, GPT2);
                List<String> out = new ArrayList<>(parts.size());
                for (String part : parts) out.add(ByteLevelChars.encode(part));
                yield out;
            }
        };
    }

    private static final Splitting GPT2 = new Regex(SplitPattern.GPT2_PATTERN);

    private static List<String> split(List<String> parts, Splitting splitting) {
        List<String> next = new ArrayList<>(parts.size() * 4);
        for (String part : parts) splitting.split(part, next);
        return next;
    }

    /** The bytes a token's text stands for. */
    byte[] bytes(String piece) {
        if (preTokenizer instanceof ByteLevel) return ByteLevelChars.decode(piece);
        int raw = rawByte(piece);
        if (raw >= 0) return new byte[] {(byte) raw};
        return piece.replace(METASPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** Whether encoding adds a leading space that decoding after BOS should drop. */
    boolean prependsSpace() {
        for (Normalizing n : normalizers) {
            if (n instanceof Prepend) return true;
        }
        return preTokenizer instanceof Metaspace m && !m.prependScheme().equals("never");
    }

    private static int rawByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static List<String> splitBefore(String s, char c) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                out.add(s.substring(start, i));
                start = i;
            }
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    /** GPT-2's reversible map of the 256 byte values to printable characters. */
    static final class ByteLevelChars {
        private static final char[] BYTE_TO_CHAR = new char[256];
        private static final int[] CHAR_TO_BYTE = new int[512];

        static {
            java.util.Arrays.fill(CHAR_TO_BYTE, -1);
            int n = 0;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                char c = printable ? (char) b : (char) (256 + n++);
                BYTE_TO_CHAR[b] = c;
                CHAR_TO_BYTE[c] = b;
            }
        }

        private ByteLevelChars() {
        }

        static String encode(byte[] bytes) {
            char[] chars = new char[bytes.length];
            for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
            return new String(chars);
        }

        /** The byte-level characters of {@code text}'s UTF-8 bytes; ASCII text (the common case) without building the bytes. */
        static String encode(String text) {
            char[] chars = new char[text.length()];
            for (int i = 0; i < chars.length; i++) {
                char c = text.charAt(i);
                if (c >= 0x80) return encode(text.getBytes(StandardCharsets.UTF_8));
                chars[i] = BYTE_TO_CHAR[c];   // ASCII: one byte per char
            }
            return new String(chars);
        }

        static byte[] decode(String piece) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length());
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
                if (b >= 0) out.write(b);
                else out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        }
    }
}
