package org.sparselora4j.models.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the template's values: truth, {@code str()} and {@code repr()}, equality and order,
 * iteration, length, items, slices and arithmetic.
 */
final class Values {
    private Values() {
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    /** {@code str(v)}, which is what {@code {{ v }}} prints; undefined prints as nothing. */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> s;
            case Undefined u -> "";
            default -> repr(v);
        };
    }

    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case String s -> stringRepr(s);
            case Undefined u -> "";
            case List<?> list -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < list.size(); i++) sb.append(i > 0 ? ", " : "").append(repr(list.get(i)));
                yield sb.append(']').toString();
            }
            case Map<?, ?> map -> {
                StringBuilder sb = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    sb.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield sb.append('}').toString();
            }
            case Namespace ns -> "<Namespace " + repr(ns.attributes) + ">";
            default -> v.toString();
        };
    }

    /** Python's {@code repr(float)}: the shortest digits that round-trip, plain between 1e-4 and 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale();            // d = 0.digits * 10^(exponent+1)
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }

    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == quote || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        }
        return sb.append(quote).toString();
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateException("expected a number, got " + typeName(v));
        };
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            case null, default -> throw new TemplateException("expected an integer, got " + typeName(v));
        };
    }

    static boolean isIntegral(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "none";
            case Undefined u -> "undefined value '" + u.what() + "'";
            case String s -> "string";
            case Long l -> "integer";
            case Double d -> "float";
            case Boolean b -> "boolean";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "namespace";
            default -> "object";
        };
    }

    /** Python's {@code ==}: numbers by value (True == 1), containers element by element. */
    static boolean equal(Object a, Object b) {
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (a == null || b == null) return a == b;
        if (isNumber(a) && isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) return toLong(a) == toLong(b);
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!equal(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) return Long.compare(toLong(a), toLong(b));
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (a instanceof String x && b instanceof String y) return compareCodePoints(x, y);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                int c = compare(x.get(i), y.get(i));
                if (c != 0) return c;
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("cannot order " + typeName(a) + " and " + typeName(b));
    }

    private static int compareCodePoints(String x, String y) {
        int[] a = Strings.codePoints(x);
        int[] b = Strings.codePoints(y);
        for (int i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) return Integer.compare(a[i], b[i]);
        return Integer.compare(a.length, b.length);
    }

    /** The items a for loop visits: list elements, dict keys, string characters; undefined gives none. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case Undefined u -> List.of();
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> chars = new ArrayList<>();
                s.codePoints().forEach(c -> chars.add(new String(Character.toChars(c))));
                yield chars;
            }
            case Namespace ns -> throw new TemplateException("a namespace is not iterable");
            case null -> throw new TemplateException("'NoneType' object is not iterable");
            default -> throw new TemplateException("cannot iterate over " + typeName(v));
        };
    }

    static long length(Object v) {
        return switch (v) {
            case String s -> Strings.length(s);
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw new TemplateException("object of type " + typeName(v) + " has no length");
        };
    }

    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> {
                if (!(item instanceof String x)) throw new TemplateException("'in <string>' requires a string, got " + typeName(item));
                yield s.contains(x);
            }
            case List<?> l -> {
                for (Object o : l) if (equal(o, item)) yield true;
                yield false;
            }
            case Map<?, ?> m -> {
                for (Object k : m.keySet()) if (equal(k, item)) yield true;
                yield false;
            }
            case Undefined u -> false;
            case null, default -> throw new TemplateException("'in' needs a string, list or dict, got " + typeName(container));
        };
    }

    /** {@code obj[key]} without falling back to attributes; undefined where there is no such item. */
    static Object item(Object obj, Object key) {
        switch (obj) {
            case Map<?, ?> m -> {
                if (key instanceof String && m.containsKey(key)) return m.get(key);   // the common case, without a scan
                for (Map.Entry<?, ?> e : m.entrySet()) if (equal(e.getKey(), key)) return e.getValue();
                return new Undefined(Values.str(key));
            }
            case List<?> l -> {
                if (!isIntegral(key)) return new Undefined(Values.str(key));
                long i = toLong(key);
                if (i < 0) i += l.size();
                return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined("[" + key + "]");
            }
            case String s -> {
                if (!isIntegral(key)) return new Undefined(Values.str(key));
                int[] cps = Strings.codePoints(s);
                long i = toLong(key);
                if (i < 0) i += cps.length;
                return i >= 0 && i < cps.length ? new String(Character.toChars(cps[(int) i])) : new Undefined("[" + key + "]");
            }
            case Namespace ns -> {
                return ns.attributes.containsKey(Values.str(key)) ? ns.attributes.get(Values.str(key)) : new Undefined(Values.str(key));
            }
            case Loop loop -> {
                return loop.attribute(Values.str(key));
            }
            case Undefined u -> throw new TemplateException("'" + u.what() + "' is undefined");
            case null, default -> {
                return new Undefined(Values.str(key));
            }
        }
    }

    /** Python's slice of a list or string; null bounds are absent. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        long st = step == null ? 1 : toLong(step);
        if (st == 0) throw new TemplateException("slice step cannot be zero");
        int n;
        int[] cps = null;
        List<?> list = null;
        if (obj instanceof String s) {
            cps = Strings.codePoints(s);
            n = cps.length;
        } else if (obj instanceof List<?> l) {
            list = l;
            n = l.size();
        } else if (obj instanceof Undefined u) {
            throw new TemplateException("'" + u.what() + "' is undefined");
        } else {
            throw new TemplateException("cannot slice " + typeName(obj));
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = start == null ? 0 : clampIndex(toLong(start), n, 0, n);
            hi = stop == null ? n : clampIndex(toLong(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clampIndex(toLong(start), n, -1, n - 1);
            hi = stop == null ? -1 : clampIndex(toLong(stop), n, -1, n - 1);
        }
        List<Integer> picks = new ArrayList<>();
        if (st > 0) for (long i = lo; i < hi; i += st) picks.add((int) i);
        else for (long i = lo; i > hi; i += st) picks.add((int) i);
        if (cps != null) {
            StringBuilder sb = new StringBuilder();
            for (int i : picks) sb.appendCodePoint(cps[i]);
            return sb.toString();
        }
        List<Object> out = new ArrayList<>();
        for (int i : picks) out.add(list.get(i));
        return out;
    }

    private static long clampIndex(long i, int n, long min, long max) {
        if (i < 0) i += n;
        return Math.max(min, Math.min(max, i));
    }

    static Object arithmetic(String op, Object a, Object b) {
        if (a instanceof Undefined u) throw new TemplateException("'" + u.what() + "' is undefined");
        if (b instanceof Undefined u) throw new TemplateException("'" + u.what() + "' is undefined");
        if (op.equals("+")) {
            if (a instanceof String x && b instanceof String y) return x + y;
            if (a instanceof List<?> x && b instanceof List<?> y) {
                List<Object> out = new ArrayList<>(x);
                out.addAll(y);
                return out;
            }
        }
        if (op.equals("*")) {
            if (a instanceof String s && isIntegral(b)) return s.repeat((int) Math.max(0, toLong(b)));
            if (a instanceof List<?> l && isIntegral(b)) {
                List<Object> out = new ArrayList<>();
                for (long i = 0; i < toLong(b); i++) out.addAll(l);
                return out;
            }
        }
        if (!isNumber(a) || !isNumber(b)) {
            throw new TemplateException("unsupported operand types for " + op + ": " + typeName(a) + " and " + typeName(b));
        }
        boolean ints = isIntegral(a) && isIntegral(b);
        switch (op) {
            case "+" -> {
                return ints ? (Object) Math.addExact(toLong(a), toLong(b)) : toDouble(a) + toDouble(b);
            }
            case "-" -> {
                return ints ? (Object) Math.subtractExact(toLong(a), toLong(b)) : toDouble(a) - toDouble(b);
            }
            case "*" -> {
                return ints ? (Object) Math.multiplyExact(toLong(a), toLong(b)) : toDouble(a) * toDouble(b);
            }
            case "/" -> {
                if (toDouble(b) == 0) throw new TemplateException("division by zero");
                return toDouble(a) / toDouble(b);
            }
            case "//" -> {
                if (toDouble(b) == 0) throw new TemplateException("division by zero");
                return ints ? (Object) Math.floorDiv(toLong(a), toLong(b)) : Math.floor(toDouble(a) / toDouble(b));
            }
            case "%" -> {
                if (toDouble(b) == 0) throw new TemplateException("modulo by zero");
                if (ints) return Math.floorMod(toLong(a), toLong(b));
                double x = toDouble(a);
                double y = toDouble(b);
                return x - Math.floor(x / y) * y;
            }
            case "**" -> {
                if (ints && toLong(b) >= 0) {
                    long r = 1;
                    for (long i = 0; i < toLong(b); i++) r = Math.multiplyExact(r, toLong(a));
                    return r;
                }
                return Math.pow(toDouble(a), toDouble(b));
            }
            default -> throw new TemplateException("unknown operator " + op);
        }
    }
}
