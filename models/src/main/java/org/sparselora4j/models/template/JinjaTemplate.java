package org.sparselora4j.models.template;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed template, rendered as transformers renders chat templates: Jinja2 with {@code trim_blocks},
 * {@code lstrip_blocks} and loop controls, and the globals {@code raise_exception}, {@code strftime_now},
 * {@code namespace}, {@code range} and {@code dict}. Parsing checks every filter and test name, so a template
 * using something this evaluator lacks fails here, with its origin (file) and line in the message.
 */
public final class JinjaTemplate {
    private final String origin;
    private final List<Node> body;

    private JinjaTemplate(String origin, List<Node> body) {
        this.origin = origin;
        this.body = body;
    }

    /** Parses {@code source}; {@code origin} names it in errors (a file, or a file and the field it came from). */
    public static JinjaTemplate parse(String source, String origin) {
        List<Node> body = Parser.parse(source, origin);
        Check.names(body, origin);
        return new JinjaTemplate(origin, body);
    }

    public String origin() {
        return origin;
    }

    /**
     * Renders with {@code context} as the template's variables. Values may be strings, numbers, booleans, null
     * (none), lists and maps of them.
     */
    public String render(Map<String, ?> context) {
        Map<String, Object> vars = new HashMap<>();
        for (Map.Entry<String, ?> e : context.entrySet()) vars.put(e.getKey(), normalize(e.getValue()));
        return new Renderer(origin, globals()).render(body, vars);
    }

    private Map<String, Object> globals() {
        Map<String, Object> g = new HashMap<>();
        g.put("raise_exception", (Callable) (args, kwargs) -> {
            String message = args.isEmpty() ? "" : Values.str(args.getFirst());
            throw new TemplateException(origin + ": the template raised an error: " + message.replace('\n', ' '));
        });
        g.put("strftime_now", (Callable) (args, kwargs) -> Strftime.format(Values.str(args.isEmpty() ? "" : args.getFirst()), LocalDateTime.now()));
        g.put("namespace", (Callable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) throw new TemplateException("namespace() takes a dict or keyword arguments");
                for (Map.Entry<?, ?> e : m.entrySet()) ns.attributes.put(Values.str(e.getKey()), e.getValue());
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        g.put("range", (Callable) (args, kwargs) -> {
            long start = 0;
            long stop;
            long step = 1;
            if (args.size() == 1) {
                stop = Values.toLong(args.get(0));
            } else if (args.size() == 2 || args.size() == 3) {
                start = Values.toLong(args.get(0));
                stop = Values.toLong(args.get(1));
                if (args.size() == 3) step = Values.toLong(args.get(2));
            } else {
                throw new TemplateException("range takes 1 to 3 arguments");
            }
            if (step == 0) throw new TemplateException("range step cannot be zero");
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                if (out.size() >= 100_000) throw new TemplateException("range too large");
                out.add(i);
            }
            return out;
        });
        g.put("dict", (Callable) (args, kwargs) -> Filters.dict(kwargs));
        return g;
    }

    /** Java values into the template's: ints to longs, floats to doubles, arrays and collections to lists. */
    static Object normalize(Object v) {
        return switch (v) {
            case null -> null;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Float f -> (double) f;
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(normalize(e.getKey()), normalize(e.getValue()));
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                for (Object o : it) out.add(normalize(o));
                yield out;
            }
            default -> v;
        };
    }
}
