package org.sparselora4j.models.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The filters ({@code value | name(args)}) that chat templates use, each as Jinja2 defines it. */
final class Filters {
    private Filters() {
    }

    static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first",
            "float", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
            "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
            "title", "tojson", "trim", "unique", "upper", "wordcount", "indent", "e", "escape");

    /** Positional argument {@code i}, else keyword {@code name}, else {@code fallback}. */
    static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name, Object fallback) {
        if (i < args.size()) return args.get(i);
        return kwargs.containsKey(name) ? kwargs.get(name) : fallback;
    }

    private static String string(Object v, String what) {
        if (v instanceof String s) return s;
        throw new TemplateException(what + " needs a string, got " + Values.typeName(v));
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        return switch (name) {
            case "abs" -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Values.toLong(v));
            case "attr" -> Renderer.attribute(v, string(arg(args, kwargs, 0, "name", null), "attr"));
            case "capitalize" -> Strings.capitalize(Values.str(v));
            case "count", "length" -> Values.length(v);
            case "d", "default" -> {
                Object fallback = arg(args, kwargs, 0, "default_value", "");
                boolean asBoolean = Values.truthy(arg(args, kwargs, 1, "boolean", false));
                yield v instanceof Undefined || (asBoolean && !Values.truthy(v)) ? fallback : v;
            }
            case "dictsort" -> dictsort(v, args, kwargs);
            case "first" -> {
                List<Object> items = Values.iterate(v);
                yield items.isEmpty() ? new Undefined("first item") : items.getFirst();
            }
            case "last" -> {
                List<Object> items = Values.iterate(v);
                yield items.isEmpty() ? new Undefined("last item") : items.getLast();
            }
            case "float" -> toFloat(v, arg(args, kwargs, 0, "default", 0.0));
            case "int" -> toInt(v, arg(args, kwargs, 0, "default", 0L));
            case "items" -> {
                if (v instanceof Undefined) yield List.of();
                if (!(v instanceof Map<?, ?> m)) throw new TemplateException("items needs a dict, got " + Values.typeName(v));
                List<Object> pairs = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) pairs.add(List.of(e.getKey(), e.getValue()));
                yield pairs;
            }
            case "join" -> {
                String sep = Values.str(arg(args, kwargs, 0, "d", ""));
                Object attribute = arg(args, kwargs, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Values.iterate(v)) {
                    if (!first) sb.append(sep);
                    first = false;
                    sb.append(Values.str(attribute == null ? o : Renderer.attribute(o, Values.str(attribute))));
                }
                yield sb.toString();
            }
            case "list" -> Values.iterate(v);
            case "lower" -> Values.str(v).toLowerCase();
            case "upper" -> Values.str(v).toUpperCase();
            case "map" -> map(v, args, kwargs);
            case "max", "min" -> {
                List<Object> items = Values.iterate(v);
                if (items.isEmpty()) yield new Undefined(name + " of an empty sequence");
                Comparator<Object> order = Values::compare;
                yield name.equals("max") ? items.stream().max(order).orElseThrow() : items.stream().min(order).orElseThrow();
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    boolean pass = args.isEmpty() ? Values.truthy(o)
                            : Tests.apply(string(args.getFirst(), name), o, args.subList(1, args.size()), kwargs);
                    if (pass == name.equals("select")) out.add(o);
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) throw new TemplateException(name + " needs an attribute name");
                String attribute = string(args.getFirst(), name);
                List<Object> out = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    Object a = Renderer.attribute(o, attribute);
                    boolean pass = args.size() < 2 ? Values.truthy(a)
                            : Tests.apply(string(args.get(1), name), a, args.subList(2, args.size()), kwargs);
                    if (pass == name.equals("selectattr")) out.add(o);
                }
                yield out;
            }
            case "replace" -> {
                String s = Values.str(v);
                String old = Values.str(arg(args, kwargs, 0, "old", ""));
                String replacement = Values.str(arg(args, kwargs, 1, "new", ""));
                Object count = arg(args, kwargs, 2, "count", null);
                yield Methods.replace(s, old, replacement, count == null ? -1 : Values.toLong(count));
            }
            case "reverse" -> {
                if (v instanceof String s) yield new StringBuilder(s).reverse().toString();
                List<Object> items = Values.iterate(v);
                yield items.reversed();
            }
            case "round" -> {
                long precision = Values.toLong(arg(args, kwargs, 0, "precision", 0L));
                String method = Values.str(arg(args, kwargs, 1, "method", "common"));
                double x = Values.toDouble(v) * Math.pow(10, precision);
                double r = switch (method) {
                    case "ceil" -> Math.ceil(x);
                    case "floor" -> Math.floor(x);
                    default -> Math.signum(x) * Math.floor(Math.abs(x) + 0.5);
                };
                yield r / Math.pow(10, precision);
            }
            case "safe", "e", "escape" -> name.equals("safe") ? v : escape(Values.str(v));
            case "sort" -> {
                List<Object> items = new ArrayList<>(Values.iterate(v));
                boolean reverse = Values.truthy(arg(args, kwargs, 0, "reverse", false));
                Object attribute = arg(args, kwargs, 2, "attribute", null);
                Comparator<Object> order = attribute == null ? Values::compare
                        : (a, b) -> Values.compare(Renderer.attribute(a, Values.str(attribute)), Renderer.attribute(b, Values.str(attribute)));
                items.sort(reverse ? order.reversed() : order);
                yield items;
            }
            case "string" -> Values.str(v);
            case "sum" -> {
                Object attribute = arg(args, kwargs, 0, "attribute", null);
                Object total = arg(args, kwargs, 1, "start", 0L);
                for (Object o : Values.iterate(v)) {
                    total = Values.arithmetic("+", total, attribute == null ? o : Renderer.attribute(o, Values.str(attribute)));
                }
                yield total;
            }
            case "title" -> Strings.title(Values.str(v));
            case "tojson" -> {
                boolean ascii = Values.truthy(arg(args, kwargs, 0, "ensure_ascii", false));
                Object indent = arg(args, kwargs, 1, "indent", null);
                Object separators = arg(args, kwargs, 2, "separators", null);
                boolean sortKeys = Values.truthy(arg(args, kwargs, 3, "sort_keys", false));
                String itemSep = null;
                String keySep = null;
                if (separators instanceof List<?> pair && pair.size() == 2) {
                    itemSep = Values.str(pair.get(0));
                    keySep = Values.str(pair.get(1));
                }
                yield PyJson.dumps(v, indent, itemSep, keySep, sortKeys, ascii);
            }
            case "trim" -> {
                Object chars = arg(args, kwargs, 0, "chars", null);
                yield Strings.strip(Values.str(v), chars == null ? null : Values.str(chars));
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    boolean seen = false;
                    for (Object u : out) seen |= Values.equal(u, o);
                    if (!seen) out.add(o);
                }
                yield out;
            }
            case "wordcount" -> (long) Strings.split(Values.str(v), null, -1).size();
            case "indent" -> indent(Values.str(v), args, kwargs);
            default -> throw new TemplateException("unsupported filter '" + name + "'");
        };
    }

    private static Object toFloat(Object v, Object fallback) {
        if (v instanceof Double) return v;
        if (Values.isNumber(v)) return Values.toDouble(v);
        try {
            return Double.parseDouble(Values.str(v).strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Object toInt(Object v, Object fallback) {
        if (v instanceof Double d) return (long) (double) d;
        if (Values.isNumber(v)) return Values.toLong(v);
        String s = Values.str(v).strip().replace("_", "");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(s);
            } catch (NumberFormatException e2) {
                return fallback;
            }
        }
    }

    private static Object map(Object v, List<Object> args, Map<String, Object> kwargs) {
        List<Object> out = new ArrayList<>();
        if (kwargs.containsKey("attribute")) {
            String attribute = Values.str(kwargs.get("attribute"));
            for (Object o : Values.iterate(v)) {
                Object a = Renderer.attribute(o, attribute);
                out.add(a instanceof Undefined && kwargs.containsKey("default") ? kwargs.get("default") : a);
            }
            return out;
        }
        if (args.isEmpty()) throw new TemplateException("map needs a filter name or attribute=");
        String filter = string(args.getFirst(), "map");
        if (!NAMES.contains(filter)) throw new TemplateException("unsupported filter '" + filter + "'");
        for (Object o : Values.iterate(v)) out.add(apply(filter, o, args.subList(1, args.size()), Map.of()));
        return out;
    }

    private static Object dictsort(Object v, List<Object> args, Map<String, Object> kwargs) {
        if (!(v instanceof Map<?, ?> m)) throw new TemplateException("dictsort needs a dict, got " + Values.typeName(v));
        boolean caseSensitive = Values.truthy(arg(args, kwargs, 0, "case_sensitive", false));
        boolean byValue = "value".equals(arg(args, kwargs, 1, "by", "key"));
        boolean reverse = Values.truthy(arg(args, kwargs, 2, "reverse", false));
        List<Object> pairs = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) pairs.add(List.of(e.getKey(), e.getValue()));
        Comparator<Object> order = (a, b) -> {
            Object x = ((List<?>) a).get(byValue ? 1 : 0);
            Object y = ((List<?>) b).get(byValue ? 1 : 0);
            if (!caseSensitive && x instanceof String s && y instanceof String t) return Values.compare(s.toLowerCase(), t.toLowerCase());
            return Values.compare(x, y);
        };
        pairs.sort(reverse ? order.reversed() : order);
        return pairs;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
    }

    private static String indent(String s, List<Object> args, Map<String, Object> kwargs) {
        Object width = arg(args, kwargs, 0, "width", 4L);
        String pad = width instanceof String w ? w : " ".repeat((int) Values.toLong(width));
        boolean first = Values.truthy(arg(args, kwargs, 1, "first", false));
        boolean blank = Values.truthy(arg(args, kwargs, 2, "blank", false));
        String[] lines = s.split("\n", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) sb.append('\n');
            boolean indentThis = (i > 0 || first) && (blank || !lines[i].isBlank());
            sb.append(indentThis ? pad : "").append(lines[i]);
        }
        return sb.toString();
    }

    /** A dict built from keyword arguments, key order kept. */
    static Map<String, Object> dict(Map<String, Object> kwargs) {
        return new LinkedHashMap<>(kwargs);
    }
}
