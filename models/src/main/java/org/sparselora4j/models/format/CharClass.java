package org.sparselora4j.models.format;

/**
 * The character classes the pre-tokenizer regexes use, as Oniguruma (Hugging Face's regex engine) defines them:
 * {@code \p{L}} (Lu, Ll, Lt, Lm, Lo), {@code \p{N}} (Nd, Nl, No), {@code \s} (Unicode White_Space, wider than
 * Java's {@code \s}), with {@code \r} and {@code \n} a class of their own. A table covers the BMP.
 */
final class CharClass {
    static final int OTHER = 0;
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 3;     // White_Space other than \r and \n
    static final int NEWLINE = 4;   // \r or \n (also whitespace)

    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < BMP.length; c++) BMP[c] = (byte) compute(c);
    }

    private CharClass() {
    }

    static int of(int cp) {
        return cp < BMP.length ? BMP[cp] : compute(cp);
    }

    static int at(String s, int i) {
        return of(s.codePointAt(i));
    }

    /** {@code \s}: SPACE or NEWLINE. */
    static boolean isSpace(int k) {
        return k >= SPACE;
    }

    /** The definition, from the Unicode tables of the JDK. */
    static int compute(int cp) {
        if (cp == '\r' || cp == '\n') return NEWLINE;
        if (isWhiteSpace(cp)) return SPACE;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER,
                 Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** Unicode's White_Space property (PropList.txt). */
    private static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
