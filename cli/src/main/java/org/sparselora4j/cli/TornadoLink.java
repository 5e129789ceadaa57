package org.sparselora4j.cli;

import org.sparselora4j.tensor.Backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * The cli's one way to the {@code tornado} module, by reflection on {@value #CLASS}: that module is built only where
 * TornadoVM's API jar is at hand ({@code ../shared/tornadovm/maven-repo} or {@code TORNADOVM_HOME}), and the cli
 * compiles and runs without it. Where it is absent, {@link #missing} says so and how to build it.
 */
final class TornadoLink {
    static final String CLASS = "org.sparselora4j.tornado.Tornado";
    /** The environment variable naming the TornadoVM SDK (as the tornado module's {@code Tornado.HOME}). */
    static final String HOME = "TORNADOVM_HOME";
    static final String NOT_BUILT = "TornadoVM support was not built (set " + HOME + " to a TornadoVM SDK and run ./sparselora4j"
            + " again, which rebuilds with the tornado module; see the README, \"TornadoVM\")";

    /** TornadoVM cannot run here; the message is one line. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    private TornadoLink() {
    }

    /** The tornado module's entry class, or null where that module was not built. */
    private static Class<?> entry() {
        try {
            return Class.forName(CLASS, true, TornadoLink.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** Why TornadoVM cannot run in this JVM ({@code null} when it can), in words for a one-line error. */
    static String missing(Map<String, String> environment) {
        Class<?> entry = entry();
        if (entry == null) return NOT_BUILT;
        return (String) call(entry, "missing", new Class<?>[] {Map.class}, environment);
    }

    /**
     * A TornadoVM backend on its first GPU, or with {@code gpuOnly} false on its first device of any kind; throws
     * {@link Unavailable} with the reason where TornadoVM (or its module, or a device) is missing.
     */
    static Backend open(Map<String, String> environment, boolean gpuOnly) {
        Class<?> entry = entry();
        if (entry == null) throw new Unavailable(NOT_BUILT);
        return (Backend) call(entry, "open", new Class<?>[] {Map.class, boolean.class}, environment, gpuOnly);
    }

    private static Object call(Class<?> entry, String name, Class<?>[] types, Object... args) {
        Method method;
        try {
            method = entry.getMethod(name, types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(CLASS + "." + name + " is missing (a tornado module of another version?)", e);
        }
        try {
            return method.invoke(null, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(CLASS + "." + name + " is not accessible", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause.getClass().getSimpleName().equals("TornadoUnavailableException")) throw new Unavailable(cause.getMessage());
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error r) throw r;
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }
}
