package org.sparselora4j.models.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a template into tokens the way Jinja2's lexer does with {@code trim_blocks} and {@code lstrip_blocks} on:
 * newlines normalised to {@code \n} and one trailing newline dropped; {@code {%-}/{@code -%}} (and the same on
 * {@code {{ }}} and comments) strip all whitespace on that side; a block or comment tag alone on its line loses
 * the indentation before it; the first newline after a block or comment tag is dropped. Comments vanish here.
 */
final class Lexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    /** One token; {@code value} is the decoded literal for STRING, INT and FLOAT. */
    record Token(Kind kind, String text, Object value, int line) {
        boolean is(Kind k, String t) {
            return kind == k && text.equals(t);
        }

        boolean isName(String t) {
            return is(Kind.NAME, t);
        }

        boolean isOp(String t) {
            return is(Kind.OP, t);
        }
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ",", ".",
        ":", "|", "=", "<", ">", ";",
    };

    private final String src;
    private final String origin;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String source, String origin) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        this.src = s;
        this.origin = origin;
    }

    static List<Token> tokenize(String source, String origin) {
        Lexer lexer = new Lexer(source, origin);
        lexer.run();
        return lexer.out;
    }

    private TemplateException error(String message) {
        return new TemplateException(origin + " line " + line + ": " + message);
    }

    private void run() {
        while (pos < src.length()) {
            int start = nextTag(pos);
            String text = src.substring(pos, start < 0 ? src.length() : start);
            if (start < 0) {
                emitText(text);
                pos = src.length();
                break;
            }
            char kind = src.charAt(start + 1);                          // '{', '%' or '#'
            char sign = start + 2 < src.length() ? src.charAt(start + 2) : 0;
            if (sign == '-') {
                text = Strings.rstrip(text, null);
            } else if (sign != '+' && kind != '{') {
                int l = text.lastIndexOf('\n') + 1;
                if ((l > 0 || lineStarting) && l < text.length() && Strings.isAllSpace(text, l)) text = text.substring(0, l);
            }
            emitText(text);
            countLines(pos, start);
            pos = start + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            switch (kind) {
                case '#' -> comment();
                case '%' -> tag(Kind.BLOCK_BEGIN, "%}", Kind.BLOCK_END, true);
                default -> tag(Kind.VAR_BEGIN, "}}", Kind.VAR_END, false);
            }
        }
        out.add(new Token(Kind.EOF, "", null, line));
    }

    private int nextTag(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) return -1;
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
            i++;
        }
    }

    private void emitText(String text) {
        if (!text.isEmpty()) out.add(new Token(Kind.TEXT, text, null, line));
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) if (src.charAt(i) == '\n') line++;
    }

    private void comment() {
        int end = src.indexOf("#}", pos);
        if (end < 0) throw error("missing end of comment tag");
        boolean strip = end > pos && src.charAt(end - 1) == '-';
        boolean keep = end > pos && src.charAt(end - 1) == '+';
        countLines(pos, end);
        pos = end + 2;
        finishTag(strip, keep, true);
    }

    /** After a closing tag: {@code -} eats all whitespace, a block or comment end eats one newline. */
    private void finishTag(boolean strip, boolean keep, boolean trims) {
        int from = pos;
        if (strip) {
            while (pos < src.length() && Strings.isSpace(src.charAt(pos))) pos++;
        } else if (trims && !keep && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        countLines(from, pos);
        char last = pos > 0 ? src.charAt(pos - 1) : 0;
        lineStarting = last == '\n';
    }

    private void tag(Kind begin, String close, Kind end, boolean trims) {
        out.add(new Token(begin, begin == Kind.BLOCK_BEGIN ? "{%" : "{{", null, line));
        int depth = 0;
        while (true) {
            skipSpace();
            if (pos >= src.length()) throw error("missing end of " + (trims ? "block" : "variable") + " tag");
            if (depth == 0) {
                boolean minus = src.startsWith("-" + close, pos);
                boolean plus = trims && src.startsWith("+" + close, pos);
                if (minus || plus || src.startsWith(close, pos)) {
                    pos += close.length() + (minus || plus ? 1 : 0);
                    out.add(new Token(end, close, null, line));
                    finishTag(minus, plus, trims);
                    return;
                }
            }
            char c = src.charAt(pos);
            if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
                out.add(new Token(Kind.NAME, src.substring(s, pos), null, line));
            } else if (Character.isDigit(c)) {
                number();
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) throw error("unexpected character '" + c + "'");
                if (op.equals("(") || op.equals("[") || op.equals("{")) depth++;
                if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    if (depth == 0) throw error("unexpected '" + op + "'");
                    depth--;
                }
                pos += op.length();
                out.add(new Token(Kind.OP, op, null, line));
            }
        }
    }

    private void skipSpace() {
        while (pos < src.length() && Strings.isSpace(src.charAt(pos))) {
            if (src.charAt(pos) == '\n') line++;
            pos++;
        }
    }

    private void number() {
        int s = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) pos++;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) e++;
            if (e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) pos++;
            }
        }
        String text = src.substring(s, pos);
        String digits = text.replace("_", "");
        if (isFloat) {
            out.add(new Token(Kind.FLOAT, text, Double.parseDouble(digits), line));
        } else {
            try {
                out.add(new Token(Kind.INT, text, Long.parseLong(digits), line));
            } catch (NumberFormatException e) {
                throw error("integer " + text + " is too large");
            }
        }
    }

    /** A quoted literal with Python's escapes ({@code \n}, {@code \t}, {@code \xhh}, {@code \\uXXXX}, ...). */
    private void string(char quote) {
        int startLine = line;
        StringBuilder sb = new StringBuilder();
        int s = pos++;
        while (true) {
            if (pos >= src.length()) throw error("unterminated string");
            char c = src.charAt(pos);
            if (c == quote) {
                pos++;
                break;
            }
            if (c == '\n') line++;
            if (c != '\\' || pos + 1 >= src.length()) {
                sb.append(c);
                pos++;
                continue;
            }
            char e = src.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case '\n' -> line++;
                case 'x' -> sb.appendCodePoint(hex(2));
                case 'u' -> sb.appendCodePoint(hex(4));
                case 'U' -> sb.appendCodePoint(hex(8));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (src.charAt(pos++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e);               // Python keeps unknown escapes as they are
                    }
                }
            }
        }
        out.add(new Token(Kind.STRING, src.substring(s, pos), sb.toString(), startLine));
    }

    private int hex(int n) {
        if (pos + n > src.length()) throw error("truncated escape in string");
        try {
            int v = Integer.parseInt(src.substring(pos, pos + n), 16);
            pos += n;
            return v;
        } catch (NumberFormatException e) {
            throw error("bad escape in string");
        }
    }
}
