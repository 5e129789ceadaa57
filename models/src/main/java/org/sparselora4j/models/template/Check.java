package org.sparselora4j.models.template;

import java.util.List;

/** Refuses, before rendering, a template that names a filter or test this evaluator does not have. */
final class Check {
    private Check() {
    }

    static void names(List<Node> body, String origin) {
        for (Node n : body) node(n, origin);
    }

    private static void node(Node n, String origin) {
        switch (n) {
            case Node.Text t -> {
            }
            case Node.Output o -> expr(o.value(), origin);
            case Node.If i -> {
                i.tests().forEach(e -> expr(e, origin));
                i.bodies().forEach(b -> names(b, origin));
                names(i.otherwise(), origin);
            }
            case Node.For f -> {
                expr(f.iterable(), origin);
                if (f.filter() != null) expr(f.filter(), origin);
                names(f.body(), origin);
                names(f.otherwise(), origin);
            }
            case Node.SetVar s -> expr(s.value(), origin);
            case Node.SetAttr s -> expr(s.value(), origin);
            case Node.SetBlock s -> names(s.body(), origin);
            case Node.Macro m -> {
                m.defaults().forEach(e -> expr(e, origin));
                names(m.body(), origin);
            }
            case Node.Generation g -> names(g.body(), origin);
            case Node.Break b -> {
            }
            case Node.Continue c -> {
            }
        }
    }

    private static void args(Expr.Args a, String origin) {
        a.positional().forEach(e -> expr(e, origin));
        a.values().forEach(e -> expr(e, origin));
    }

    private static void expr(Expr e, String origin) {
        switch (e) {
            case null -> {
            }
            case Expr.Const c -> {
            }
            case Expr.Name n -> {
            }
            case Expr.ListLit l -> l.items().forEach(x -> expr(x, origin));
            case Expr.TupleLit t -> t.items().forEach(x -> expr(x, origin));
            case Expr.DictLit d -> {
                d.keys().forEach(x -> expr(x, origin));
                d.values().forEach(x -> expr(x, origin));
            }
            case Expr.GetAttr g -> expr(g.obj(), origin);
            case Expr.GetItem g -> {
                expr(g.obj(), origin);
                expr(g.index(), origin);
            }
            case Expr.Slice s -> {
                expr(s.start(), origin);
                expr(s.stop(), origin);
                expr(s.step(), origin);
            }
            case Expr.Call c -> {
                expr(c.fn(), origin);
                args(c.args(), origin);
            }
            case Expr.Filter f -> {
                if (!Filters.NAMES.contains(f.name())) throw new TemplateException(origin + ": unsupported template construct: filter '" + f.name() + "'");
                expr(f.value(), origin);
                args(f.args(), origin);
            }
            case Expr.Test t -> {
                if (!Tests.NAMES.contains(t.name())) throw new TemplateException(origin + ": unsupported template construct: test '" + t.name() + "'");
                expr(t.value(), origin);
                args(t.args(), origin);
            }
            case Expr.Unary u -> expr(u.operand(), origin);
            case Expr.Binary b -> {
                expr(b.left(), origin);
                expr(b.right(), origin);
            }
            case Expr.And a -> {
                expr(a.left(), origin);
                expr(a.right(), origin);
            }
            case Expr.Or o -> {
                expr(o.left(), origin);
                expr(o.right(), origin);
            }
            case Expr.Conditional c -> {
                expr(c.test(), origin);
                expr(c.then(), origin);
                expr(c.otherwise(), origin);
            }
        }
    }
}
