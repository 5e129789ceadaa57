package org.sparselora4j.opencl;

import java.util.Locale;

/**
 * What a user asks for with {@code --backend}: the Vector API, OpenCL, TornadoVM, or an accelerator where one helps.
 * {@link Backends} opens cpu, opencl and auto's OpenCL part; TornadoVM lives in the {@code tornado} module, which
 * the command line opens itself.
 */
public enum BackendKind {
    CPU, OPENCL, TORNADO, AUTO;

    /** Parses {@code cpu}, {@code opencl}, {@code tornado} or {@code auto}. */
    public static BackendKind parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "opencl" -> OPENCL;
            case "tornado" -> TORNADO;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("backend \"" + text + "\" is not cpu, opencl, tornado or auto");
        };
    }
}
