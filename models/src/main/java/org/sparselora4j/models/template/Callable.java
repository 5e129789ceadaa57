package org.sparselora4j.models.template;

import java.util.List;
import java.util.Map;

/** A function a template can call: a global, a macro, a bound method, {@code loop.cycle}. */
@FunctionalInterface
interface Callable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
