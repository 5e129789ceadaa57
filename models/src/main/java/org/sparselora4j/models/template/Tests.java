package org.sparselora4j.models.template;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The tests ({@code value is name}) that chat templates use, each as Jinja2 defines it. */
final class Tests {
    private Tests() {
    }

    static final Set<String> NAMES = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==",
            "escaped", "even", "false", "float", "ge", "gt", "in", "integer", "iterable", "le", "lower", "lt",
            "mapping", "ne", "none", "number", "odd", "sameas", "sequence", "string", "true", "undefined", "upper",
            "!=", "<", ">", "<=", ">=");

    static boolean apply(String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        Object other = args.isEmpty() ? null : args.getFirst();
        return switch (name) {
            case "boolean" -> v instanceof Boolean;
            case "callable" -> v instanceof Callable;
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "divisibleby" -> Values.toLong(v) % Values.toLong(other) == 0;
            case "eq", "equalto", "==" -> Values.equal(v, other);
            case "ne", "!=" -> !Values.equal(v, other);
            case "lt", "<" -> Values.compare(v, other) < 0;
            case "le", "<=" -> Values.compare(v, other) <= 0;
            case "gt", ">" -> Values.compare(v, other) > 0;
            case "ge", ">=" -> Values.compare(v, other) >= 0;
            case "escaped" -> false;
            case "even" -> Values.toLong(v) % 2 == 0;
            case "odd" -> Values.toLong(v) % 2 != 0;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "float" -> v instanceof Double;
            case "integer" -> v instanceof Long;
            case "number" -> Values.isNumber(v);
            case "in" -> Values.contains(other, v);
            case "iterable" -> v instanceof String || v instanceof Collection<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof Collection<?> || v instanceof Map<?, ?>;
            case "mapping" -> v instanceof Map<?, ?>;
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase()) && !s.equals(s.toUpperCase());
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase()) && !s.equals(s.toLowerCase());
            case "none" -> v == null;
            case "sameas" -> v == other || (v instanceof Boolean && v.equals(other));
            case "string" -> v instanceof String;
            default -> throw new TemplateException("unsupported test '" + name + "'");
        };
    }
}
