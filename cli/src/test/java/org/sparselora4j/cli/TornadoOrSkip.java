package org.sparselora4j.cli;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.tensor.Backend;

/**
 * TornadoVM on its first device (PoCL here), or a skipped test that prints why (tornado module not built, no SDK, no
 * flags, no device). Through {@link TornadoLink}, as the cli itself, so these tests compile without the module.
 */
final class TornadoOrSkip {
    private TornadoOrSkip() {
    }

    static Backend backend() {
        try {
            return TornadoLink.open(System.getenv(), false);
        } catch (TornadoLink.Unavailable e) {
            String reason = "skipped: TornadoVM is not usable here: " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            throw e;
        }
    }

    /** Skips unless a TornadoVM backend opens here (and closes the one it opened to find out). */
    static void tornado() {
        backend().close();
    }

    /** The bytes of frozen weights {@code backend} (a TornadoBackend) holds on the device. */
    static long cachedBytes(Backend backend) {
        try {
            return (long) backend.getClass().getMethod("cachedBytes").invoke(backend);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
