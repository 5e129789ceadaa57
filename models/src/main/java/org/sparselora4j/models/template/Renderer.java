package org.sparselora4j.models.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the parsed template and writes its output. Scopes follow Jinja2: each pass of a for loop (and each macro
 * call) gets a fresh scope whose assignments vanish after it; {@code if} makes none; names are looked up from the
 * innermost scope out, then among the globals.
 */
final class Renderer {
    private static final class Frame {
        final Map<String, Object> vars = new HashMap<>();
        final Frame parent;

        Frame(Frame parent) {
            this.parent = parent;
        }
    }

    /** Control flow of {@code break} and {@code continue}: thrown without a stack trace. */
    private static final class LoopControl extends RuntimeException {
        final boolean isBreak;

        LoopControl(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopControl BREAK = new LoopControl(true);
    private static final LoopControl CONTINUE = new LoopControl(false);

    /**
     * Macro calls nested at once. Jinja2 stops a runaway recursion at Python's recursion limit (some 200 macro
     * levels); here a template recursing deeper is refused with its origin named, not a stack overflow. Real chat
     * templates recurse a few levels (over a tool's JSON schema). A body nested far deeper than they are (the
     * parser allows {@link Parser#MAX_DEPTH} levels) can still exhaust the stack in fewer calls: {@link #render}
     * turns that into the same kind of one-line error.
     */
    static final int MAX_CALL_DEPTH = 64;

    private final String origin;
    private final Map<String, Object> globals;
    private StringBuilder out = new StringBuilder();
    private int callDepth;

    Renderer(String origin, Map<String, Object> globals) {
        this.origin = origin;
        this.globals = globals;
    }

    String render(List<Node> body, Map<String, Object> context) {
        Frame root = new Frame(null);
        root.vars.putAll(context);
        try {
            run(body, root);
        } catch (LoopControl c) {
            throw new TemplateException(origin + ": '" + (c.isBreak ? "break" : "continue") + "' outside a loop");
        } catch (TemplateException e) {
            String m = e.getMessage();
            throw m.startsWith(origin) ? e : new TemplateException(origin + ": " + m);
        } catch (ArithmeticException e) {
            throw new TemplateException(origin + ": integer overflow");
        } catch (StackOverflowError e) {
            // Only this renderer's own frames unwind here, and its output is dropped: nothing is left half-done.
            throw new TemplateException(origin + ": macro calls and blocks nested too deeply to render (runaway recursion?)");
        }
        return out.toString();
    }

    private void run(List<Node> body, Frame frame) {
        for (Node n : body) exec(n, frame);
    }

    private void exec(Node node, Frame frame) {
        switch (node) {
            case Node.Text t -> out.append(t.text());
            case Node.Output o -> out.append(Values.str(eval(o.value(), frame)));
            case Node.If i -> {
                for (int k = 0; k < i.tests().size(); k++) {
                    if (Values.truthy(eval(i.tests().get(k), frame))) {
                        run(i.bodies().get(k), frame);
                        return;
                    }
                }
                run(i.otherwise(), frame);
            }
            case Node.For f -> loop(f, frame);
            case Node.SetVar s -> assign(s.targets(), eval(s.value(), frame), frame);
            case Node.SetAttr s -> {
                Object target = lookup(s.object(), frame);
                if (!(target instanceof Namespace ns)) {
                    throw new TemplateException("cannot assign attribute '" + s.attr() + "' on " + Values.typeName(target) + " '" + s.object() + "' (only on a namespace)");
                }
                ns.attributes.put(s.attr(), eval(s.value(), frame));
            }
            case Node.SetBlock s -> frame.vars.put(s.name(), capture(s.body(), frame));
            case Node.Macro m -> frame.vars.put(m.name(), macro(m, frame));
            case Node.Generation g -> run(g.body(), frame);
            case Node.Break b -> throw BREAK;
            case Node.Continue c -> throw CONTINUE;
        }
    }

    private String capture(List<Node> body, Frame frame) {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            run(body, frame);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    private Callable macro(Node.Macro m, Frame defined) {
        return (args, kwargs) -> {
            Frame f = new Frame(defined);
            int firstDefault = m.params().size() - m.defaults().size();
            if (args.size() > m.params().size()) throw new TemplateException("macro '" + m.name() + "' takes " + m.params().size() + " arguments");
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                Object v;
                if (i < args.size()) v = args.get(i);
                else if (kwargs.containsKey(p)) v = kwargs.get(p);
                else if (i >= firstDefault) v = eval(m.defaults().get(i - firstDefault), f);
                else v = new Undefined(p);
                f.vars.put(p, v);
            }
            if (callDepth >= MAX_CALL_DEPTH) {
                throw new TemplateException("macro '" + m.name() + "' calls nested deeper than " + MAX_CALL_DEPTH + " (runaway recursion?)");
            }
            callDepth++;
            try {
                return capture(m.body(), f);
            } finally {
                callDepth--;
            }
        };
    }

    private void assign(List<String> targets, Object value, Frame frame) {
        if (targets.size() == 1) {
            frame.vars.put(targets.getFirst(), value);
            return;
        }
        List<Object> parts = Values.iterate(value);
        if (parts.size() != targets.size()) {
            throw new TemplateException("cannot unpack " + parts.size() + " values into " + targets.size() + " names");
        }
        for (int i = 0; i < targets.size(); i++) frame.vars.put(targets.get(i), parts.get(i));
    }

    private void loop(Node.For f, Frame frame) {
        List<Object> items = Values.iterate(eval(f.iterable(), frame));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Frame probe = new Frame(frame);
                assign(f.targets(), item, probe);
                if (Values.truthy(eval(f.filter(), probe))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) {
            run(f.otherwise(), frame);
            return;
        }
        Loop loop = new Loop(items);
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Frame pass = new Frame(frame);
            pass.vars.put("loop", loop);
            assign(f.targets(), items.get(i), pass);
            try {
                run(f.body(), pass);
            } catch (LoopControl c) {
                if (c.isBreak) break;
            }
        }
    }

    private Object lookup(String name, Frame frame) {
        for (Frame f = frame; f != null; f = f.parent) {
            if (f.vars.containsKey(name)) return f.vars.get(name);
        }
        if (globals.containsKey(name)) return globals.get(name);
        return new Undefined(name);
    }

    /** {@code obj.name}: Jinja tries the attribute (a method, a namespace or loop field) first, then the item. */
    static Object attribute(Object obj, String name) {
        if (obj instanceof Undefined u) throw new TemplateException("'" + u.what() + "' is undefined, so it has no attribute '" + name + "'");
        if (obj instanceof Loop loop) return loop.attribute(name);
        if (obj instanceof Namespace ns) return ns.attributes.containsKey(name) ? ns.attributes.get(name) : new Undefined(name);
        if (obj == null) return new Undefined(name);
        Callable method = Methods.bind(obj, name);
        if (method != null) return method;
        if (obj instanceof Map<?, ?>) return Values.item(obj, name);
        return new Undefined(name);
    }

    /** {@code obj[key]}: Jinja tries the item first, then (for a string key) the attribute. */
    private static Object subscript(Object obj, Object key) {
        if (obj == null) return new Undefined(Values.str(key));
        Object v = Values.item(obj, key);
        if (v instanceof Undefined && key instanceof String s && !(obj instanceof Loop)) {
            Callable method = Methods.bind(obj, s);
            if (method != null) return method;
        }
        return v;
    }

    private Object eval(Expr e, Frame frame) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> lookup(n.name(), frame);
            case Expr.ListLit l -> {
                List<Object> items = new ArrayList<>();
                for (Expr x : l.items()) items.add(eval(x, frame));
                yield items;
            }
            case Expr.TupleLit t -> {
                List<Object> items = new ArrayList<>();
                for (Expr x : t.items()) items.add(eval(x, frame));
                yield java.util.Collections.unmodifiableList(items);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> map = new java.util.LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) map.put(eval(d.keys().get(i), frame), eval(d.values().get(i), frame));
                yield map;
            }
            case Expr.GetAttr g -> attribute(eval(g.obj(), frame), g.name());
            case Expr.GetItem g -> {
                Object obj = eval(g.obj(), frame);
                if (g.index() instanceof Expr.Slice s) {
                    yield Values.slice(obj, evalOrNull(s.start(), frame), evalOrNull(s.stop(), frame), evalOrNull(s.step(), frame));
                }
                if (obj instanceof Undefined u) throw new TemplateException("'" + u.what() + "' is undefined");
                yield subscript(obj, eval(g.index(), frame));
            }
            case Expr.Slice s -> throw new TemplateException("a slice outside a subscript");
            case Expr.Call c -> call(c, frame);
            case Expr.Filter f -> {
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
                evalArgs(f.args(), frame, args, kwargs);
                yield Filters.apply(f.name(), eval(f.value(), frame), args, kwargs);
            }
            case Expr.Test t -> {
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
                evalArgs(t.args(), frame, args, kwargs);
                boolean r = Tests.apply(t.name(), eval(t.value(), frame), args, kwargs);
                yield t.negated() != r;
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand(), frame);
                yield switch (u.op()) {
                    case "not" -> !Values.truthy(v);
                    case "-" -> v instanceof Double d ? (Object) (-d) : (Object) Math.negateExact(Values.toLong(v));
                    default -> {
                        if (!Values.isNumber(v)) throw new TemplateException("bad operand for unary +: " + Values.typeName(v));
                        yield v;
                    }
                };
            }
            case Expr.And a -> {
                Object l = eval(a.left(), frame);
                yield Values.truthy(l) ? eval(a.right(), frame) : l;
            }
            case Expr.Or o -> {
                Object l = eval(o.left(), frame);
                yield Values.truthy(l) ? l : eval(o.right(), frame);
            }
            case Expr.Conditional c -> Values.truthy(eval(c.test(), frame)) ? eval(c.then(), frame)
                    : c.otherwise() == null ? new Undefined("conditional expression") : eval(c.otherwise(), frame);
            case Expr.Binary b -> binary(b.op(), eval(b.left(), frame), eval(b.right(), frame));
        };
    }

    private Object evalOrNull(Expr e, Frame frame) {
        if (e == null) return null;
        Object v = eval(e, frame);
        return v instanceof Undefined ? null : v;
    }

    private static Object binary(String op, Object a, Object b) {
        return switch (op) {
            case "~" -> Values.str(a) + Values.str(b);
            case "==" -> Values.equal(a, b);
            case "!=" -> !Values.equal(a, b);
            case "<" -> Values.compare(a, b) < 0;
            case "<=" -> Values.compare(a, b) <= 0;
            case ">" -> Values.compare(a, b) > 0;
            case ">=" -> Values.compare(a, b) >= 0;
            case "in" -> Values.contains(b, a);
            case "not in" -> !Values.contains(b, a);
            default -> Values.arithmetic(op, a, b);
        };
    }

    private void evalArgs(Expr.Args args, Frame frame, List<Object> positional, Map<String, Object> keywords) {
        for (Expr x : args.positional()) positional.add(eval(x, frame));
        for (int i = 0; i < args.names().size(); i++) keywords.put(args.names().get(i), eval(args.values().get(i), frame));
    }

    private Object call(Expr.Call c, Frame frame) {
        Object fn = eval(c.fn(), frame);
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new java.util.LinkedHashMap<>();
        evalArgs(c.args(), frame, args, kwargs);
        if (fn instanceof Callable callable) return callable.call(args, kwargs);
        if (fn instanceof Undefined u) throw new TemplateException("'" + u.what() + "' is undefined and cannot be called");
        throw new TemplateException(Values.typeName(fn) + " is not callable");
    }
}
