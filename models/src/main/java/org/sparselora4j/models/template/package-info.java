/**
 * A dependency-free evaluator for the subset of Jinja2 that chat templates use, with the settings transformers'
 * {@code apply_chat_template} renders them with ({@code trim_blocks}, {@code lstrip_blocks}, loop controls, a
 * {@code tojson} without HTML escaping, {@code raise_exception}, {@code strftime_now}). Values are plain Java
 * objects: {@code String}, {@code Long}, {@code Double}, {@code Boolean}, {@code null} for none, {@code List},
 * {@code Map}, and the few types here ({@link org.sparselora4j.models.template.Undefined}, namespaces, loops).
 * Anything outside the subset fails at parse time with a one-line {@link
 * org.sparselora4j.models.template.TemplateException} naming the construct and the template's file. Nothing here
 * knows about chats or tokenizers.
 */
package org.sparselora4j.models.template;
