package org.sparselora4j.models.template;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sparselora4j.models.format.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The evaluator against Jinja2 itself: {@code chat/snippets.json} holds small templates (whitespace control,
 * scoping, loops, filters, tests, slices, Python's str() and float digits, tojson) with the output of the Jinja
 * environment transformers builds (scripts/chat-references.py). Then the errors: each one line, naming the file.
 */
class JinjaTemplateTest {
    private static String render(String source, Map<String, ?> context) {
        return JinjaTemplate.parse(source, "t.jinja").render(context);
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> matchesJinja2() throws IOException {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/chat/snippets.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(json)) {
            Map<String, Object> c = (Map<String, Object>) o;
            String source = (String) c.get("template");
            tests.add(DynamicTest.dynamicTest(source, () ->
                    assertThat(render(source, (Map<String, Object>) c.get("context"))).isEqualTo(c.get("output"))));
        }
        return tests;
    }

    @Test
    void unsupportedConstructsNameTheConstructAndTheFile() {
        assertThatThrownBy(() -> JinjaTemplate.parse("{% include 'x.jinja' %}", "dir/tokenizer_config.json chat_template"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("dir/tokenizer_config.json chat_template line 1: unsupported template construct '{% include %}'");
        assertThatThrownBy(() -> JinjaTemplate.parse("a\n{{ x | wordwrap(3) }}", "f.jinja"))
                .hasMessage("f.jinja: unsupported template construct: filter 'wordwrap'");
        assertThatThrownBy(() -> JinjaTemplate.parse("{% if x is prime %}{% endif %}", "f.jinja"))
                .hasMessage("f.jinja: unsupported template construct: test 'prime'");
        assertThatThrownBy(() -> JinjaTemplate.parse("{% for x in y recursive %}{% endfor %}", "f.jinja"))
                .hasMessageContaining("f.jinja line 1: unsupported template construct 'recursive'");
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ f(*args) }}", "f.jinja"))
                .hasMessageContaining("unsupported template construct '*' or '**' arguments");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> JinjaTemplate.parse("ok\n{% if x %}\nno end", "f.jinja"))
                .hasMessageContaining("f.jinja line 3: missing {% endif %}");
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ 'open }}", "f.jinja")).hasMessageContaining("f.jinja line 1: unterminated string");
        assertThatThrownBy(() -> JinjaTemplate.parse("{{ x ", "f.jinja")).hasMessageContaining("missing end of variable tag");
        assertThatThrownBy(() -> JinjaTemplate.parse("{% endfor %}", "f.jinja")).hasMessageContaining("unknown tag 'endfor'");
        assertThatThrownBy(() -> JinjaTemplate.parse("{% frobnicate %}", "f.jinja")).hasMessageContaining("unknown tag 'frobnicate'");
    }

    @Test
    void renderErrorsAreOneLineAndNameTheFile() {
        assertThatThrownBy(() -> render("{{ raise_exception('roles must\nalternate') }}", Map.of()))
                .hasMessage("t.jinja: the template raised an error: roles must alternate");
        assertThatThrownBy(() -> render("{{ missing.attr }}", Map.of()))
                .hasMessageStartingWith("t.jinja: 'missing' is undefined");
        assertThatThrownBy(() -> render("{{ 'a' + 1 }}", Map.of())).hasMessageStartingWith("t.jinja: unsupported operand types for +");
        assertThatThrownBy(() -> render("{% set x = 1 %}{% set x.y = 2 %}", Map.of())).hasMessageContaining("only on a namespace");
        assertThatThrownBy(() -> render("{{ l.append(1) }}", Map.of("l", List.of()))).hasMessageContaining("templates may not do that");
    }

    @Test
    void runawayMacroRecursionIsATemplateErrorNotAStackOverflow() {
        assertThatThrownBy(() -> render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessage("t.jinja: macro 'f' calls nested deeper than " + Renderer.MAX_CALL_DEPTH + " (runaway recursion?)");
        // Two macros calling each other, and a body nested as deep as the parser allows, recursing without end.
        assertThatThrownBy(() -> render("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", Map.of()))
                .hasMessageContaining("nested deeper than " + Renderer.MAX_CALL_DEPTH);
        int levels = Parser.MAX_DEPTH - 5;
        String deep = "{% macro f() %}" + "{% if true %}".repeat(levels) + "{{ (((f()))) }}" + "{% endif %}".repeat(levels) + "{% endmacro %}{{ f() }}";
        assertThatThrownBy(() -> render(deep, Map.of())).isInstanceOf(TemplateException.class).hasMessageStartingWith("t.jinja: ").hasMessageContaining("nested");
    }

    @Test
    void boundedMacroRecursionRenders() {
        String countdown = "{% macro f(n) %}{{ n }}{% if n > 0 %},{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}";
        assertThat(render(countdown, Map.of())).startsWith("40,39,").endsWith(",1,0");
    }

    @Test
    void javaValuesAreNormalized() {
        assertThat(render("{{ n + 1 }} {{ f }} {{ l }}", Map.of("n", 41, "f", 0.5f, "l", List.of(1, 2)))).isEqualTo("42 0.5 [1, 2]");
    }

    @Test
    void strftimeNowFormatsToday() {
        assertThat(render("{{ strftime_now('%d %b %Y') }}", Map.of())).matches("\\d\\d [A-Z][a-z]{2} \\d{4}");
    }
}
