package org.sparselora4j.models.template;

import java.util.List;

/** Expressions of the template language, as parsed. */
sealed interface Expr {
    /** Positional and keyword arguments of a call, filter or test. */
    record Args(List<Expr> positional, List<String> names, List<Expr> values) {
        static final Args NONE = new Args(List.of(), List.of(), List.of());
    }

    record Const(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    record ListLit(List<Expr> items) implements Expr {}

    record TupleLit(List<Expr> items) implements Expr {}

    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

    /** {@code obj.name}: an attribute first, then an item (Jinja's rule). */
    record GetAttr(Expr obj, String name) implements Expr {}

    /** {@code obj[index]}: an item first, then an attribute. */
    record GetItem(Expr obj, Expr index) implements Expr {}

    /** {@code [start:stop:step]} inside a subscript; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step) implements Expr {}

    record Call(Expr fn, Args args) implements Expr {}

    record Filter(Expr value, String name, Args args) implements Expr {}

    record Test(Expr value, String name, Args args, boolean negated) implements Expr {}

    /** {@code not}, unary {@code -} and {@code +}. */
    record Unary(String op, Expr operand) implements Expr {}

    /** Arithmetic, {@code ~}, comparisons, {@code in} and {@code not in}. */
    record Binary(String op, Expr left, Expr right) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** {@code then if test else otherwise}; without {@code else} the result is undefined when the test fails. */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {}
}
