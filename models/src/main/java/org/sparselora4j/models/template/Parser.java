package org.sparselora4j.models.template;

import org.sparselora4j.models.template.Lexer.Kind;
import org.sparselora4j.models.template.Lexer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive descent over the tokens, with Jinja2's grammar and operator precedence. */
final class Parser {
    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");
    private static final Set<String> UNSUPPORTED = Set.of("include", "import", "from", "extends", "block", "call",
            "filter", "with", "raw", "autoescape", "do", "trans", "pluralize");

    private final List<Token> tokens;
    private final String origin;
    private int at;
    /** Blocks and expressions nested now; a template nested deeper than {@link #MAX_DEPTH} is refused, not a stack overflow. */
    private int depth;
    static final int MAX_DEPTH = 200;

    private Parser(List<Token> tokens, String origin) {
        this.tokens = tokens;
        this.origin = origin;
    }

    static List<Node> parse(String source, String origin) {
        Parser p = new Parser(Lexer.tokenize(source, origin), origin);
        List<Node> body = new ArrayList<>();
        String end = p.body(body, List.of());
        if (end != null) throw p.error("unexpected '" + end + "'");
        return body;
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.EOF) at++;
        return t;
    }

    private TemplateException error(String message) {
        return new TemplateException(origin + " line " + peek().line() + ": " + message);
    }

    private TemplateException unsupported(String construct) {
        return new TemplateException(origin + " line " + peek().line() + ": unsupported template construct " + construct);
    }

    private Token expectOp(String op) {
        if (!peek().isOp(op)) throw error("expected '" + op + "', found '" + describe(peek()) + "'");
        return next();
    }

    private void expect(Kind kind) {
        if (peek().kind() != kind) throw error("expected " + kind.name().toLowerCase().replace('_', ' ') + ", found '" + describe(peek()) + "'");
        next();
    }

    private String name() {
        if (peek().kind() != Kind.NAME) throw error("expected a name, found '" + describe(peek()) + "'");
        return next().text();
    }

    private static String describe(Token t) {
        return t.kind() == Kind.EOF ? "end of template" : t.text();
    }

    /**
     * Statements until a block tag whose keyword is in {@code ends}; returns that keyword, with the tokens left
     * just after it, or null at the end of the template.
     */
    private String body(List<Node> out, List<String> ends) {
        while (true) {
            Token t = next();
            switch (t.kind()) {
                case EOF -> {
                    if (!ends.isEmpty()) throw error("missing {% " + ends.getLast() + " %}");
                    return null;
                }
                case TEXT -> out.add(new Node.Text(t.text()));
                case VAR_BEGIN -> {
                    out.add(new Node.Output(tuple(true)));
                    expect(Kind.VAR_END);
                }
                case BLOCK_BEGIN -> {
                    String keyword = peek().kind() == Kind.NAME ? peek().text() : describe(peek());
                    if (ends.contains(keyword)) {
                        next();
                        return keyword;
                    }
                    out.add(statement());
                }
                default -> throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private Node statement() {
        enter();
        try {
            return statementAtDepth();
        } finally {
            depth--;
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
    }

    private Node statementAtDepth() {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw error("expected a statement, found '" + describe(t) + "'");
        String keyword = next().text();
        return switch (keyword) {
            case "if" -> ifStatement();
            case "for" -> forStatement();
            case "set" -> setStatement();
            case "macro" -> macro();
            case "break" -> {
                expect(Kind.BLOCK_END);
                yield new Node.Break();
            }
            case "continue" -> {
                expect(Kind.BLOCK_END);
                yield new Node.Continue();
            }
            case "generation" -> {
                expect(Kind.BLOCK_END);
                List<Node> body = new ArrayList<>();
                body(body, List.of("endgeneration"));
                expect(Kind.BLOCK_END);
                yield new Node.Generation(body);
            }
            default -> {
                at--;
                if (UNSUPPORTED.contains(keyword)) throw unsupported("'{% " + keyword + " %}'");
                throw error("unknown tag '" + keyword + "'");
            }
        };
    }

    private Node ifStatement() {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        tests.add(tuple(false));
        expect(Kind.BLOCK_END);
        while (true) {
            List<Node> body = new ArrayList<>();
            String end = body(body, List.of("elif", "else", "endif"));
            bodies.add(body);
            if (end.equals("elif")) {
                tests.add(tuple(false));
                expect(Kind.BLOCK_END);
                continue;
            }
            List<Node> otherwise = List.of();
            if (end.equals("else")) {
                expect(Kind.BLOCK_END);
                List<Node> elseBody = new ArrayList<>();
                body(elseBody, List.of("endif"));
                otherwise = elseBody;
            }
            expect(Kind.BLOCK_END);
            return new Node.If(tests, bodies, otherwise);
        }
    }

    private Node forStatement() {
        List<String> targets = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) next();
        targets.add(name());
        while (peek().isOp(",")) {
            next();
            if (peek().isName("in") || peek().isOp(")")) break;
            targets.add(name());
        }
        if (paren) expectOp(")");
        if (!peek().isName("in")) throw error("expected 'in' in for loop");
        next();
        Expr iterable = tuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression(true);
        }
        if (peek().isName("recursive")) throw unsupported("'recursive' for loops");
        expect(Kind.BLOCK_END);
        List<Node> body = new ArrayList<>();
        String end = body(body, List.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (end.equals("else")) {
            expect(Kind.BLOCK_END);
            List<Node> elseBody = new ArrayList<>();
            body(elseBody, List.of("endfor"));
            otherwise = elseBody;
        }
        expect(Kind.BLOCK_END);
        return new Node.For(targets, iterable, filter, body, otherwise);
    }

    private Node setStatement() {
        String first = name();
        if (peek().isOp(".")) {
            next();
            String attr = name();
            expectOp("=");
            Expr value = tuple(true);
            expect(Kind.BLOCK_END);
            return new Node.SetAttr(first, attr, value);
        }
        List<String> targets = new ArrayList<>();
        targets.add(first);
        while (peek().isOp(",")) {
            next();
            targets.add(name());
        }
        if (peek().isOp("=")) {
            next();
            Expr value = tuple(true);
            expect(Kind.BLOCK_END);
            return new Node.SetVar(targets, value);
        }
        if (targets.size() > 1) throw error("a block set takes one name");
        if (peek().isOp("|")) throw unsupported("filters on a block set");
        expect(Kind.BLOCK_END);
        List<Node> body = new ArrayList<>();
        body(body, List.of("endset"));
        expect(Kind.BLOCK_END);
        return new Node.SetBlock(first, body);
    }

    private Node macro() {
        String name = name();
        expectOp("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            params.add(name());
            if (peek().isOp("=")) {
                next();
                defaults.add(expression(true));
            } else {
                if (!defaults.isEmpty()) throw error("macro parameter without a default after one with a default");
            }
        }
        expectOp(")");
        expect(Kind.BLOCK_END);
        List<Node> body = new ArrayList<>();
        body(body, List.of("endmacro"));
        if (peek().kind() == Kind.NAME) next();               // {% endmacro name %}
        expect(Kind.BLOCK_END);
        return new Node.Macro(name, params, defaults, body);
    }

    /** Expressions separated by commas: a tuple when there is a comma, else the one expression. */
    private Expr tuple(boolean withConditional) {
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!peek().isOp(",")) break;
                next();
                comma = true;
            }
            if (tupleEnds()) break;
            items.add(withConditional ? expression(true) : or());
        }
        if (!comma) {
            if (items.isEmpty()) throw error("expected an expression, found '" + describe(peek()) + "'");
            return items.getFirst();
        }
        return new Expr.TupleLit(items);
    }

    private boolean tupleEnds() {
        Token t = peek();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.kind() == Kind.EOF || t.isOp(")")
                || t.isOp("]") || t.isOp("}") || t.isName("if") || t.isName("recursive") || t.isOp("=");
    }

    private Expr expression(boolean withConditional) {
        Expr e = or();
        if (!withConditional) return e;
        while (peek().isName("if")) {
            next();
            Expr test = or();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = expression(true);
            }
            e = new Expr.Conditional(test, e, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (peek().isName("or")) {
            next();
            e = new Expr.Or(e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (peek().isName("and")) {
            next();
            e = new Expr.And(e, not());
        }
        return e;
    }

    private Expr not() {
        if (peek().isName("not")) {
            next();
            enter();
            try {
                return new Expr.Unary("not", not());
            } finally {
                depth--;
            }
        }
        return compare();
    }

    private Expr compare() {
        Expr left = math1();
        Expr result = null;
        while (true) {
            String op;
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARISONS.contains(t.text())) {
                op = next().text();
            } else if (t.isName("in")) {
                next();
                op = "in";
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                op = "not in";
            } else {
                break;
            }
            Expr right = math1();
            Expr pair = new Expr.Binary(op, left, right);
            result = result == null ? pair : new Expr.And(result, pair);   // a < b < c is a < b and b < c
            left = right;
        }
        return result == null ? left : result;
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            String op = next().text();
            e = new Expr.Binary(op, e, concat());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().isOp("~")) {
            next();
            e = new Expr.Binary("~", e, math2());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            String op = next().text();
            e = new Expr.Binary(op, e, pow());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().isOp("**")) {
            next();
            e = new Expr.Binary("**", e, unary(true));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        enter();
        try {
            return unaryAtDepth(withFilter);
        } finally {
            depth--;
        }
    }

    private Expr unaryAtDepth(boolean withFilter) {
        Expr e;
        if (peek().isOp("-") || peek().isOp("+")) {
            String op = next().text();
            e = new Expr.Unary(op, unary(false));
        } else {
            e = primary();
        }
        e = postfix(e);
        if (withFilter) e = filters(e);
        return e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE);
                    case "none", "None" -> new Expr.Const(null);
                    default -> new Expr.Name(t.text());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) sb.append((String) next().value());   // adjacent literals join
                return new Expr.Const(sb.toString());
            }
            case INT, FLOAT -> {
                return new Expr.Const(t.value());
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Expr.TupleLit(List.of());
                        }
                        Expr e = tuple(true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) expectOp(",");
                            if (peek().isOp("]")) break;
                            items.add(expression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLit(items);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) expectOp(",");
                            if (peek().isOp("}")) break;
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLit(keys, values);
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        at--;
        throw error("unexpected '" + describe(t) + "'");
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token n = next();
                if (n.kind() == Kind.NAME) e = new Expr.GetAttr(e, n.text());
                else if (n.kind() == Kind.INT) e = new Expr.GetItem(e, new Expr.Const(n.value()));
                else throw error("expected an attribute name after '.'");
            } else if (t.isOp("[")) {
                next();
                List<Expr> args = new ArrayList<>();
                while (!peek().isOp("]")) {
                    if (!args.isEmpty()) expectOp(",");
                    args.add(subscribed());
                }
                expectOp("]");
                if (args.isEmpty()) throw error("empty subscript");
                e = new Expr.GetItem(e, args.size() == 1 ? args.getFirst() : new Expr.TupleLit(args));
            } else if (t.isOp("(")) {
                e = new Expr.Call(e, callArgs());
            } else {
                return e;
            }
        }
    }

    private Expr subscribed() {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = expression(true);
            if (!peek().isOp(":")) return start;
        }
        next();
        Expr stop = null;
        if (!peek().isOp(":") && !peek().isOp("]") && !peek().isOp(",")) stop = expression(true);
        Expr step = null;
        if (peek().isOp(":")) {
            next();
            if (!peek().isOp("]") && !peek().isOp(",")) step = expression(true);
        }
        return new Expr.Slice(start, stop, step);
    }

    private Expr.Args callArgs() {
        expectOp("(");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) expectOp(",");
            first = false;
            if (peek().isOp(")")) break;
            if (peek().isOp("*") || peek().isOp("**")) throw unsupported("'*' or '**' arguments");
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                names.add(next().text());
                next();
                values.add(expression(true));
            } else {
                if (!names.isEmpty()) throw error("positional argument after a keyword argument");
                positional.add(expression(true));
            }
        }
        expectOp(")");
        return new Expr.Args(positional, names, values);
    }

    private String dottedName() {
        StringBuilder sb = new StringBuilder(name());
        while (peek().isOp(".")) {
            next();
            sb.append('.').append(name());
        }
        return sb.toString();
    }

    private Expr filters(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                String name = dottedName();
                Expr.Args args = peek().isOp("(") ? callArgs() : Expr.Args.NONE;
                e = new Expr.Filter(e, name, args);
            } else if (t.isName("is")) {
                next();
                boolean negated = false;
                if (peek().isName("not")) {
                    next();
                    negated = true;
                }
                String name = dottedName();
                Expr.Args args = Expr.Args.NONE;
                Token a = peek();
                if (a.isOp("(")) {
                    args = callArgs();
                } else if ((a.kind() == Kind.NAME && !Set.of("else", "or", "and").contains(a.text()))
                        || a.kind() == Kind.STRING || a.kind() == Kind.INT || a.kind() == Kind.FLOAT
                        || a.isOp("[") || a.isOp("{")) {
                    args = new Expr.Args(List.of(postfix(primary())), List.of(), List.of());
                }
                e = new Expr.Test(e, name, args, negated);
            } else if (t.isOp("(")) {
                e = new Expr.Call(e, callArgs());
            } else {
                return e;
            }
        }
    }
}
