package org.sparselora4j.models.template;

/**
 * A template that cannot be parsed or rendered: a syntax error, a construct this evaluator does not support, an
 * undefined value used where Jinja raises, or the template's own {@code raise_exception}. The message is one
 * line and names the template's origin (its file).
 */
public final class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }
}
