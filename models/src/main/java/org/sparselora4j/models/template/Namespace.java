package org.sparselora4j.models.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** What {@code namespace(...)} returns: the one object a template may assign attributes on. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
