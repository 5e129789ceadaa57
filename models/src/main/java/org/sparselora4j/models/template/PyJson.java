package org.sparselora4j.models.template;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code json.dumps(value, ensure_ascii=False, indent=..., separators=..., sort_keys=...)} as transformers'
 * {@code tojson} filter calls it: Python's separators ({@code ", "} and {@code ": "}, or {@code ","} between
 * items once indented), Python's float digits, non-ASCII text kept as it is.
 */
final class PyJson {
    private PyJson() {
    }

    /** indent null: one line; otherwise that many spaces per level (a string indent is used as given). */
    static String dumps(Object value, Object indent, String itemSep, String keySep, boolean sortKeys, boolean ascii) {
        String unit = switch (indent) {
            case null -> null;
            case Long n -> " ".repeat((int) Math.max(0, n));
            case String s -> s;
            default -> throw new TemplateException("tojson: indent must be an integer or a string");
        };
        String items = itemSep != null ? itemSep : unit == null ? ", " : ",";
        String keys = keySep != null ? keySep : ": ";
        StringBuilder sb = new StringBuilder();
        write(sb, value, unit, items, keys, sortKeys, ascii, 0);
        return sb.toString();
    }

    private static void newline(StringBuilder sb, String unit, int level) {
        if (unit == null) return;
        sb.append('\n');
        for (int i = 0; i < level; i++) sb.append(unit);
    }

    private static void write(StringBuilder sb, Object v, String unit, String items, String keys, boolean sort, boolean ascii, int level) {
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l);
            case Double d -> sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Values.floatRepr(d));
            case String s -> string(sb, s, ascii);
            case List<?> list -> {
                if (list.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) sb.append(items);
                    newline(sb, unit, level + 1);
                    write(sb, list.get(i), unit, items, keys, sort, ascii, level + 1);
                }
                newline(sb, unit, level);
                sb.append(']');
            }
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                Map<?, ?> m = map;
                if (sort) {
                    TreeMap<String, Object> sorted = new TreeMap<>();
                    for (Map.Entry<?, ?> e : map.entrySet()) sorted.put(key(e.getKey()), e.getValue());
                    m = sorted;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(items);
                    first = false;
                    newline(sb, unit, level + 1);
                    string(sb, key(e.getKey()), ascii);
                    sb.append(keys);
                    write(sb, e.getValue(), unit, items, keys, sort, ascii, level + 1);
                }
                newline(sb, unit, level);
                sb.append('}');
            }
            case Undefined u -> throw new TemplateException("tojson: '" + u.what() + "' is undefined");
            default -> throw new TemplateException("tojson: " + Values.typeName(v) + " is not JSON serializable");
        }
    }

    /** Keys as json.dumps turns them into strings. */
    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Values.floatRepr(d);
            case Undefined u -> throw new TemplateException("tojson: undefined key");
            default -> throw new TemplateException("tojson: keys must be str, int, float, bool or None");
        };
    }

    private static void string(StringBuilder sb, String s, boolean ascii) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ascii && c > 0x7f)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
