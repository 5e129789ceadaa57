package org.sparselora4j.opencl;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** A program built for the device of its {@link ClContext}; its kernels are created once and released with it. */
public final class ClProgram implements AutoCloseable {
    private final ClApi api;
    private final ClContext context;
    private final MemorySegment program; // cl_program
    private final String name;
    private final Map<String, ClKernel> kernels = new HashMap<>();
    private boolean closed;

    ClProgram(ClApi api, ClContext context, MemorySegment program, String name) {
        this.api = api;
        this.context = context;
        this.program = program;
        this.name = name;
    }

    /** The kernel of that name (created on first use). A kernel holds its arguments, so use it from one thread. */
    public ClKernel kernel(String kernelName) {
        if (closed) throw new IllegalStateException("OpenCL program " + name + " is closed");
        ClKernel k = kernels.get(kernelName);
        if (k == null) {
            k = new ClKernel(api, context, api.createKernel(program, kernelName), kernelName);
            kernels.put(kernelName, k);
        }
        return k;
    }

    public String name() {
        return name;
    }

    /** Releases the kernels and the program; idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            for (ClKernel k : kernels.values()) k.release();
        } finally {
            kernels.clear();
            api.releaseProgram(program);
        }
    }
}
