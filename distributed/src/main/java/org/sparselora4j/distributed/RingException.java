package org.sparselora4j.distributed;

/** A ring all-reduce or rendezvous failed (a peer gone, a timeout); the message is one line. */
public final class RingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RingException(String message) {
        super(message);
    }

    public RingException(String message, Throwable cause) {
        super(message, cause);
    }
}
