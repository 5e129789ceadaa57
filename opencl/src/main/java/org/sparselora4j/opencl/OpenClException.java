package org.sparselora4j.opencl;

/** An OpenCL call failed: the message names the call and the error, such as {@code clBuildProgram: CL_BUILD_PROGRAM_FAILURE (-11)}. */
public class OpenClException extends RuntimeException {
    private final int code;

    OpenClException(String call, int code, String detail) {
        super(call + ": " + ClStatus.name(code) + " (" + code + ")" + (detail.isEmpty() ? "" : "\n" + detail));
        this.code = code;
    }

    /** The OpenCL error code (negative). */
    public int code() {
        return code;
    }
}
