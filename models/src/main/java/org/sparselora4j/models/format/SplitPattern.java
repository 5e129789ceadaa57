package org.sparselora4j.models.format;

import java.util.List;
import java.util.Optional;

/**
 * The pre-tokenizer regexes of GPT-2, Llama 3 and Qwen2, matched by hand. Hugging Face runs them with Oniguruma,
 * where {@code \s} is Unicode White_Space and {@code (?i:)} folds case by Unicode rules (so {@code 'ſ} is a
 * contraction); {@code java.util.regex} differs on both unless told, and is slower. Each alternative below is one
 * branch of the regex, tried in order (leftmost-first), with the backtracking worked out by hand.
 */
final class SplitPattern {
    /** GPT-2's regex, which Hugging Face's ByteLevel pre-tokenizer applies when {@code use_regex} is true. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's Split regex: numbers in groups of up to three digits. */
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's (and Qwen3's) Split regex: Llama 3's with one digit per piece. */
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private enum Family { GPT2, LLAMA3 }

    private final Family family;
    private final int maxDigits;       // LLAMA3 family: 3 for Llama 3, 1 for Qwen2

    private SplitPattern(Family family, int maxDigits) {
        this.family = family;
        this.maxDigits = maxDigits;
    }

    static final SplitPattern GPT2_PATTERN = new SplitPattern(Family.GPT2, Integer.MAX_VALUE);
    static final SplitPattern LLAMA3_PATTERN = new SplitPattern(Family.LLAMA3, 3);
    static final SplitPattern QWEN2_PATTERN = new SplitPattern(Family.LLAMA3, 1);

    /** The matcher of a regex exactly as a tokenizer.json spells it; empty for any other regex. */
    static Optional<SplitPattern> forRegex(String regex) {
        return switch (regex) {
            case GPT2 -> Optional.of(GPT2_PATTERN);
            case LLAMA3 -> Optional.of(LLAMA3_PATTERN);
            case QWEN2 -> Optional.of(QWEN2_PATTERN);
            default -> Optional.empty();
        };
    }

    /** Appends to {@code out} the matches in {@code s} and the text between them, in order ("Isolated"). */
    void split(String s, List<String> out) {
        int n = s.length();
        int last = 0;
        int i = 0;
        while (i < n) {
            int end = family == Family.GPT2 ? matchGpt2(s, i, n) : matchLlama3(s, i, n);
            if (end <= i) {
                i += Character.charCount(s.codePointAt(i));
                continue;
            }
            if (i > last) out.add(s.substring(last, i));
            out.add(s.substring(i, end));
            i = end;
            last = end;
        }
        if (last < n) out.add(s.substring(last));
    }

    /** End of the match at {@code i}, or -1. */
    private int matchLlama3(String s, int i, int n) {
        int c = s.codePointAt(i);
        int k = CharClass.of(c);
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'') {
            int e = contraction(s, i + 1, n, true);
            if (e > 0) return e;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (k == CharClass.LETTER) return run(s, i, n, CharClass.LETTER, Integer.MAX_VALUE);
        int next = i + Character.charCount(c);
        if (k != CharClass.NUMBER && k != CharClass.NEWLINE && next < n && CharClass.at(s, next) == CharClass.LETTER) {
            return run(s, next, n, CharClass.LETTER, Integer.MAX_VALUE);
        }
        // \p{N}{1,3}   (Qwen2: \p{N})
        if (k == CharClass.NUMBER) return run(s, i, n, CharClass.NUMBER, maxDigits);
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int j = c == ' ' ? next : i;
        if (j < n && CharClass.at(s, j) == CharClass.OTHER) {
            j = run(s, j, n, CharClass.OTHER, Integer.MAX_VALUE);
            while (j < n && CharClass.of(s.charAt(j)) == CharClass.NEWLINE) j++;
            return j;
        }
        if (!CharClass.isSpace(k)) return -1;
        int end = spaceRunEnd(s, i, n);
        // \s*[\r\n]+ : the greedy \s* gives back up to the run's last newline.
        for (int p = end - 1; p >= i; p--) {
            if (CharClass.of(s.charAt(p)) == CharClass.NEWLINE) return p + 1;
        }
        return spaces(i, end, n);
    }

    /** End of the match at {@code i}, or -1. */
    private int matchGpt2(String s, int i, int n) {
        int c = s.codePointAt(i);
        if (c == '\'') {
            int e = contraction(s, i + 1, n, false);
            if (e > 0) return e;
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
        int j = c == ' ' && i + 1 < n ? i + 1 : i;
        int k = CharClass.at(s, j);
        if (j == i + 1 && CharClass.isSpace(k)) {
            j = i;
            k = CharClass.SPACE;
        }
        if (k == CharClass.LETTER || k == CharClass.NUMBER || k == CharClass.OTHER) return run(s, j, n, k, Integer.MAX_VALUE);
        return spaces(i, spaceRunEnd(s, i, n), n);
    }

    /** {@code \s+(?!\S)|\s+} over the whitespace run [i, end): all of it at the end of text or when it is one char, else all but its last. */
    private static int spaces(int i, int end, int n) {
        if (end == n || end - i == 1) return end;
        return end - 1;   // whitespace is always one char (BMP), so end - 1 is a code point boundary
    }

    private static int spaceRunEnd(String s, int i, int n) {
        int j = i;
        while (j < n && CharClass.isSpace(CharClass.of(s.charAt(j)))) j++;
        return j;
    }

    /** End of the longest run of class {@code k} from {@code i}, at most {@code max} code points. */
    private static int run(String s, int i, int n, int k, int max) {
        int j = i;
        int count = 0;
        while (j < n && count < max) {
            int c = s.codePointAt(j);
            if (CharClass.of(c) != k) break;
            j += Character.charCount(c);
            count++;
        }
        return j;
    }

    /** End of {@code s|t|re|ve|m|ll|d} at {@code i} (after the apostrophe), or -1. */
    private static int contraction(String s, int i, int n, boolean ignoreCase) {
        if (i >= n) return -1;
        char a = fold(s.charAt(i), ignoreCase);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 1;
        if (i + 1 >= n) return -1;
        char b = fold(s.charAt(i + 1), ignoreCase);
        if ((a == 'r' || a == 'v') && b == 'e') return i + 2;
        if (a == 'l' && b == 'l') return i + 2;
        return -1;
    }

    /** Unicode simple case folding restricted to what the contractions use: ASCII letters, and U+017F (long s) to s. */
    private static char fold(char c, boolean ignoreCase) {
        if (!ignoreCase) return c;
        if (c >= 'A' && c <= 'Z') return (char) (c + 32);
        if (c == '\u017F') return 's';
        return c;
    }
}
