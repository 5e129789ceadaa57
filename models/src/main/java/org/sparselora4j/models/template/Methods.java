package org.sparselora4j.models.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The methods of Python's {@code str} and {@code dict} that templates call ({@code message.content.strip()},
 * {@code tool.items()}). Methods that change a list or dict are refused, as transformers' sandbox refuses them.
 */
final class Methods {
    private Methods() {
    }

    static final Set<String> STRING = Set.of("startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip",
            "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count", "join", "isdigit", "isalpha",
            "isalnum", "isspace", "islower", "isupper", "splitlines", "removeprefix", "removesuffix", "zfill");
    static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy", "pop", "popitem", "update",
            "clear", "setdefault");
    static final Set<String> LIST = Set.of("index", "count", "copy", "append", "extend", "insert", "pop", "remove",
            "sort", "reverse", "clear");
    private static final Set<String> MUTATING = Set.of("pop", "popitem", "update", "clear", "setdefault", "append",
            "extend", "insert", "remove", "sort", "reverse");

    /** The bound method {@code name} of {@code self}, or null when it has none. */
    static Callable bind(Object self, String name) {
        boolean known = switch (self) {
            case String s -> STRING.contains(name);
            case Map<?, ?> m -> DICT.contains(name);
            case List<?> l -> LIST.contains(name);
            case null, default -> false;
        };
        if (!known) return null;
        return (args, kwargs) -> call(self, name, args, kwargs);
    }

    private static Object call(Object self, String name, List<Object> args, Map<String, Object> kwargs) {
        if (!(self instanceof String) && MUTATING.contains(name)) {
            throw new TemplateException("'" + name + "' would change a " + Values.typeName(self) + "; templates may not do that");
        }
        Object a0 = Filters.arg(args, kwargs, 0, "", null);
        switch (self) {
            case String s -> {
                return switch (name) {
                    case "startswith", "endswith" -> {
                        List<Object> options = a0 instanceof List<?> l ? new ArrayList<>(l) : List.of(Values.str(a0));
                        for (Object o : options) {
                            String p = Values.str(o);
                            if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) yield true;
                        }
                        yield false;
                    }
                    case "split", "rsplit" -> {
                        Object sep = Filters.arg(args, kwargs, 0, "sep", null);
                        long max = Values.toLong(Filters.arg(args, kwargs, 1, "maxsplit", -1L));
                        if (name.equals("rsplit") && max >= 0) throw new TemplateException("rsplit with maxsplit is not supported");
                        yield Strings.split(s, sep == null ? null : Values.str(sep), max);
                    }
                    case "strip" -> Strings.strip(s, a0 == null ? null : Values.str(a0));
                    case "lstrip" -> Strings.lstrip(s, a0 == null ? null : Values.str(a0));
                    case "rstrip" -> Strings.rstrip(s, a0 == null ? null : Values.str(a0));
                    case "upper" -> s.toUpperCase();
                    case "lower" -> s.toLowerCase();
                    case "title" -> Strings.title(s);
                    case "capitalize" -> Strings.capitalize(s);
                    case "replace" -> replace(s, Values.str(args.get(0)), Values.str(args.get(1)),
                            args.size() > 2 ? Values.toLong(args.get(2)) : -1);
                    case "find" -> (long) codePointIndex(s, s.indexOf(Values.str(a0)));
                    case "rfind" -> (long) codePointIndex(s, s.lastIndexOf(Values.str(a0)));
                    case "count" -> {
                        String sub = Values.str(a0);
                        if (sub.isEmpty()) yield (long) Strings.length(s) + 1;
                        long n = 0;
                        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
                        yield n;
                    }
                    case "join" -> {
                        StringBuilder sb = new StringBuilder();
                        boolean first = true;
                        for (Object o : Values.iterate(a0)) {
                            if (!first) sb.append(s);
                            first = false;
                            if (!(o instanceof String x)) throw new TemplateException("join: expected strings, got " + Values.typeName(o));
                            sb.append(x);
                        }
                        yield sb.toString();
                    }
                    case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
                    case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
                    case "isalnum" -> !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
                    case "isspace" -> Strings.isAllSpace(s, 0);
                    case "islower" -> s.equals(s.toLowerCase()) && !s.equals(s.toUpperCase());
                    case "isupper" -> s.equals(s.toUpperCase()) && !s.equals(s.toLowerCase());
                    case "splitlines" -> {
                        List<Object> lines = new ArrayList<>(List.of(s.split("\r\n|\n|\r", -1)));
                        if (!lines.isEmpty() && lines.getLast().equals("")) lines.removeLast();
                        yield lines;
                    }
                    case "removeprefix" -> s.startsWith(Values.str(a0)) ? s.substring(Values.str(a0).length()) : s;
                    case "removesuffix" -> s.endsWith(Values.str(a0)) && !Values.str(a0).isEmpty()
                            ? s.substring(0, s.length() - Values.str(a0).length()) : s;
                    case "zfill" -> {
                        int width = (int) Values.toLong(a0);
                        yield s.length() >= width ? s : "0".repeat(width - s.length()) + s;
                    }
                    default -> throw new TemplateException("unsupported string method '" + name + "'");
                };
            }
            case Map<?, ?> m -> {
                return switch (name) {
                    case "items" -> Filters.apply("items", m, List.of(), Map.of());
                    case "keys" -> new ArrayList<Object>(m.keySet());
                    case "values" -> new ArrayList<Object>(m.values());
                    case "get" -> {
                        Object v = Values.item(m, a0);
                        yield v instanceof Undefined ? Filters.arg(args, kwargs, 1, "default", null) : v;
                    }
                    case "copy" -> new java.util.LinkedHashMap<Object, Object>(m);
                    default -> throw new TemplateException("unsupported dict method '" + name + "'");
                };
            }
            case List<?> l -> {
                return switch (name) {
                    case "count" -> {
                        long n = 0;
                        for (Object o : l) if (Values.equal(o, a0)) n++;
                        yield n;
                    }
                    case "index" -> {
                        for (int i = 0; i < l.size(); i++) if (Values.equal(l.get(i), a0)) yield (long) i;
                        throw new TemplateException("list.index: value is not in the list");
                    }
                    case "copy" -> new ArrayList<Object>(l);
                    default -> throw new TemplateException("unsupported list method '" + name + "'");
                };
            }
            default -> throw new TemplateException("no method '" + name + "' on " + Values.typeName(self));
        }
    }

    private static int codePointIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder sb = new StringBuilder(replacement);
                s.codePoints().forEach(c -> sb.appendCodePoint(c).append(replacement));
                return sb.toString();
            }
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) break;
            sb.append(s, from, at).append(replacement);
            if (old.isEmpty()) {
                if (at < s.length()) sb.append(s.charAt(at));
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        if (from <= s.length()) sb.append(s.substring(Math.min(from, s.length())));
        return sb.toString();
    }
}
