package org.sparselora4j.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One kernel of a {@link ClProgram}: set its arguments, then enqueue it on the context's queue. */
public final class ClKernel {
    private final ClApi api;
    private final ClContext context;
    private final MemorySegment kernel; // cl_kernel
    private final String name;
    private boolean released;

    ClKernel(ClApi api, ClContext context, MemorySegment kernel, String name) {
        this.api = api;
        this.context = context;
        this.kernel = kernel;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Sets a {@code global T*} argument. */
    public ClKernel arg(int index, ClBuffer buffer) {
        try (Arena arena = Arena.ofConfined()) {
            api.setArg(live(), index, ValueLayout.ADDRESS.byteSize(), arena.allocateFrom(ValueLayout.ADDRESS, buffer.mem()));
        }
        return this;
    }

    /** Sets a {@code global T*} argument to NULL, for a pointer the kernel's variant never reads. */
    public ClKernel nullArg(int index) {
        try (Arena arena = Arena.ofConfined()) {
            api.setArg(live(), index, ValueLayout.ADDRESS.byteSize(), arena.allocateFrom(ValueLayout.ADDRESS, MemorySegment.NULL));
        }
        return this;
    }

    /** Sets an {@code int} argument. */
    public ClKernel arg(int index, int value) {
        try (Arena arena = Arena.ofConfined()) {
            api.setArg(live(), index, Integer.BYTES, arena.allocateFrom(ValueLayout.JAVA_INT, value));
        }
        return this;
    }

    /** Enqueues a 2D NDRange; returns without waiting (see {@link ClContext#finish()}). */
    public void launch(long global0, long global1, long local0, long local1) {
        context.checkOpen();
        api.enqueue2d(context.queue(), live(), global0, global1, local0, local1);
    }

    private MemorySegment live() {
        if (released) throw new IllegalStateException("OpenCL kernel " + name + " is released");
        return kernel;
    }

    void release() {
        if (released) return;
        released = true;
        api.releaseKernel(kernel);
    }
}
