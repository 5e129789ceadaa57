package org.sparselora4j.cli.fuzz;

import java.util.List;
import java.util.Map;

/** Writes a JSON tree that may hold {@link Raw} text in place of values (the engine's writer takes no such thing). */
final class JsonText {
    /** JSON text inserted as is. */
    record Raw(String json) {
    }

    private JsonText() {
    }

    static String write(Object node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object node) {
        switch (node) {
            case null -> sb.append("null");
            case Raw raw -> sb.append(raw.json());
            case String s -> quote(sb, s);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(sb, l.get(i));
                }
                sb.append(']');
            }
            case Double d when !Double.isFinite(d) -> sb.append(d.isNaN() ? "null" : d > 0 ? "1e999" : "-1e999");
            default -> sb.append(node);
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || Character.isSurrogate(c)) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        sb.append('"');
    }
}
