package org.sparselora4j.opencl;

import java.util.Locale;

/** What a user asks for with {@code --backend}: the Vector API, OpenCL, or OpenCL where it helps. */
public enum BackendKind {
    CPU, OPENCL, AUTO;

    /** Parses {@code cpu}, {@code opencl} or {@code auto}. */
    public static BackendKind parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "opencl" -> OPENCL;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("backend \"" + text + "\" is not cpu, opencl or auto");
        };
    }
}
