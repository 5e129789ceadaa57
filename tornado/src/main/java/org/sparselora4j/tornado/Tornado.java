package org.sparselora4j.tornado;

import org.sparselora4j.tensor.Backend;

import java.util.Map;

/**
 * The way into this module: says whether TornadoVM can run in this JVM, and opens a {@link TornadoBackend} when
 * it can. This class uses nothing of TornadoVM itself, so that it loads, and answers, in a JVM without TornadoVM
 * (where the rest of the module cannot even be linked).
 */
public final class Tornado {
    /** The environment variable naming the TornadoVM SDK. */
    public static final String HOME = "TORNADOVM_HOME";
    /** A system property that TornadoVM's argfile sets (its flags were given to this JVM). */
    private static final String FLAG_PROPERTY = "tornado.load.api.implementation";

    private Tornado() {
    }

    /** Why TornadoVM cannot run in this JVM ({@code null} when it can), in words for a one-line error. */
    public static String missing(Map<String, String> environment) {
        String home = environment.get(HOME);
        if (home == null || home.isBlank()) {
            return HOME + " is not set (install TornadoVM and point " + HOME + " at its SDK; see the README, \"TornadoVM\")";
        }
        if (System.getProperty(FLAG_PROPERTY) == null || ModuleLayer.boot().findModule("tornado.runtime").isEmpty()) {
            return "this JVM was not started with TornadoVM's flags (run through ./sparselora4j, which adds them from "
                    + home + "/tornado-argfile.template)";
        }
        return null;
    }

    /**
     * A backend on TornadoVM's first GPU, or with {@code gpuOnly} false on its first device of any kind when it has
     * no GPU (PoCL's CPU device, say); throws {@link TornadoUnavailableException} with the reason otherwise.
     */
    public static Backend open(Map<String, String> environment, boolean gpuOnly) {
        String why = missing(environment);
        if (why != null) throw new TornadoUnavailableException(why);
        return new TornadoBackend(TornadoDevices.pick(gpuOnly));
    }
}
