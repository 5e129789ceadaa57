package org.sparselora4j.opencl;

/**
 * OpenCL cannot be used on this machine: no OpenCL library, no platform, or no device that fits the selector.
 * The message is one line that says which, so a command line can print it as is.
 */
public final class OpenClUnavailableException extends RuntimeException {
    OpenClUnavailableException(String message) {
        super(message);
    }

    OpenClUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
