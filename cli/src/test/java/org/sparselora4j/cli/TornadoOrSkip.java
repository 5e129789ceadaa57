package org.sparselora4j.cli;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.tornado.Tornado;
import org.sparselora4j.tornado.TornadoBackend;
import org.sparselora4j.tornado.TornadoUnavailableException;

/** TornadoVM on its first device (PoCL here), or a skipped test that prints why (no SDK, no flags, no device). */
final class TornadoOrSkip {
    private TornadoOrSkip() {
    }

    static TornadoBackend backend() {
        try {
            return (TornadoBackend) Tornado.open(System.getenv(), false);
        } catch (TornadoUnavailableException e) {
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
}
