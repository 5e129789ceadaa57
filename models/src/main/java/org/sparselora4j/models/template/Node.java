package org.sparselora4j.models.template;

import java.util.List;

/** Statements of the template language, as parsed. */
sealed interface Node {
    record Text(String text) implements Node {}

    record Output(Expr value) implements Node {}

    /** {@code if} with its {@code elif}s: tests.get(i) guards bodies.get(i); otherwise is the {@code else} body. */
    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise) implements Node {}

    /** {@code for targets in iterable [if filter]} body {@code [else]} otherwise. */
    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise) implements Node {}

    /** {@code set a = ...} or {@code set a, b = ...}. */
    record SetVar(List<String> targets, Expr value) implements Node {}

    /** {@code set ns.attr = ...}, allowed on namespaces only. */
    record SetAttr(String object, String attr, Expr value) implements Node {}

    /** {@code set name} body {@code endset}. */
    record SetBlock(String name, List<Node> body) implements Node {}

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {}

    /** transformers' {@code generation} tag: renders its body (it marks assistant text for a mask). */
    record Generation(List<Node> body) implements Node {}

    record Break() implements Node {}

    record Continue() implements Node {}
}
