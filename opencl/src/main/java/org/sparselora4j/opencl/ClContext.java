package org.sparselora4j.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OpenCL context and one in-order command queue on one device, with the programs built for it (cached by
 * resource and build options) and the buffers allocated in it. {@link #close()} releases everything still
 * open, buffers included, so nothing native outlives the context. Not thread-safe: one caller at a time.
 */
public final class ClContext implements AutoCloseable {
    private final ClApi api;
    private final Device device;
    private final MemorySegment context; // cl_context
    private final MemorySegment queue; // cl_command_queue
    private final Map<ProgramKey, ClProgram> programs = new HashMap<>();
    private final Set<ClBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    private Arena stagingArena = Arena.ofShared();
    private MemorySegment staging = MemorySegment.NULL; // host memory that transfers go through
    private boolean closed;

    private record ProgramKey(String resource, String options) {
    }

    ClContext(ClApi api, Device device) {
        this.api = api;
        this.device = device;
        this.context = api.createContext(device.platformId(), device.deviceId());
        MemorySegment q;
        try {
            q = api.createQueue(context, device.deviceId(), device.platformOpenCl2());
        } catch (RuntimeException e) {
            api.releaseContext(context);
            stagingArena.close();
            throw e;
        }
        this.queue = q;
    }

    public Device device() {
        return device;
    }

    /** A device buffer of {@code bytes} (more than 0), read-write, uninitialised. */
    public ClBuffer buffer(long bytes) {
        checkOpen();
        if (bytes <= 0) throw new IllegalArgumentException("an OpenCL buffer needs at least one byte, got " + bytes);
        ClBuffer b = new ClBuffer(this, api.createBuffer(context, bytes), bytes);
        buffers.add(b);
        return b;
    }

    /**
     * The program built from the class-path resource {@code org/sparselora4j/opencl/<resource>} with
     * {@code options}; built once per context, released with it.
     */
    public ClProgram program(String resource, String options) {
        checkOpen();
        ProgramKey key = new ProgramKey(resource, options);
        ClProgram p = programs.get(key);
        if (p == null) {
            p = build(resource, readResource(resource), options);
            programs.put(key, p);
        }
        return p;
    }

    /** Builds {@code source} now; the caller owns (closes) the result. {@code name} names it in errors. */
    public ClProgram build(String name, String source, String options) {
        checkOpen();
        MemorySegment program = api.createProgram(context, source);
        try {
            api.build(program, device.deviceId(), options, name + " for " + device.name());
        } catch (RuntimeException e) {
            api.releaseProgram(program);
            throw e;
        }
        return new ClProgram(api, this, program, name);
    }

    private static String readResource(String resource) {
        try (InputStream in = ClContext.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("OpenCL source " + resource + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read OpenCL source " + resource, e);
        }
    }

    /** Waits until every enqueued command has finished. */
    public void finish() {
        checkOpen();
        api.finish(queue);
    }

    MemorySegment queue() {
        return queue;
    }

    ClApi api() {
        return api;
    }

    /** Host memory of at least {@code bytes} for a transfer; reused, grown by doubling. */
    MemorySegment staging(long bytes) {
        if (staging.byteSize() < bytes) {
            stagingArena.close();
            stagingArena = Arena.ofShared();
            staging = stagingArena.allocate(Math.max(bytes, staging.byteSize() * 2), 64);
        }
        return staging;
    }

    void copyIn(ClBuffer target, long byteOffset, Object array, ValueLayout layout, int from, int count) {
        long bytes = count * layout.byteSize();
        MemorySegment host = staging(bytes);
        MemorySegment.copy(array, from, host, layout, 0, count);
        api.write(queue, target.mem(), byteOffset, bytes, host);
    }

    void copyOut(ClBuffer source, long byteOffset, Object array, ValueLayout layout, int to, int count) {
        long bytes = count * layout.byteSize();
        MemorySegment host = staging(bytes);
        api.read(queue, source.mem(), byteOffset, bytes, host);
        MemorySegment.copy(host, layout, 0, array, to, count);
    }

    void released(ClBuffer buffer) {
        buffers.remove(buffer);
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL context on " + device.name() + " is closed");
    }

    boolean isClosed() {
        return closed;
    }

    /** Finishes the queue, then releases programs, buffers, the queue and the context. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<RuntimeException> errors = new ArrayList<>();
        attempt(errors, () -> api.finish(queue));
        for (ClProgram p : programs.values()) attempt(errors, p::close);
        programs.clear();
        for (ClBuffer b : List.copyOf(buffers)) attempt(errors, b::close);
        buffers.clear();
        attempt(errors, () -> api.releaseQueue(queue));
        attempt(errors, () -> api.releaseContext(context));
        stagingArena.close();
        if (!errors.isEmpty()) {
            RuntimeException first = errors.getFirst();
            for (int i = 1; i < errors.size(); i++) first.addSuppressed(errors.get(i));
            throw first;
        }
    }

    private static void attempt(List<RuntimeException> errors, Runnable release) {
        try {
            release.run();
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }
}
