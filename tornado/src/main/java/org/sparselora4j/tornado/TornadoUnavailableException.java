package org.sparselora4j.tornado;

/** TornadoVM cannot run here: no SDK, a JVM started without its flags, or no device. The message is one line. */
public final class TornadoUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TornadoUnavailableException(String message) {
        super(message);
    }
}
