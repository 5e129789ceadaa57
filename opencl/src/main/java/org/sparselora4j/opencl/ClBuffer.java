package org.sparselora4j.opencl;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A device buffer of a {@link ClContext}. Transfers are blocking and go through the context's host staging
 * memory. {@link #close()} releases it at once and may be called any number of times; the context releases
 * any buffer still open when it closes.
 */
public final class ClBuffer implements AutoCloseable {
    private final ClContext context;
    private final MemorySegment mem; // cl_mem
    private final long bytes;
    private boolean closed;

    ClBuffer(ClContext context, MemorySegment mem, long bytes) {
        this.context = context;
        this.mem = mem;
        this.bytes = bytes;
    }

    public long bytes() {
        return bytes;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Copies {@code count} floats of {@code src} from {@code from} to the start of this buffer. */
    public void write(float[] src, int from, int count) {
        transfer(count, Float.BYTES);
        context.copyIn(this, 0, src, ValueLayout.JAVA_FLOAT, from, count);
    }

    /** Copies {@code count} ints of {@code src} from {@code from} to the start of this buffer. */
    public void write(int[] src, int from, int count) {
        transfer(count, Integer.BYTES);
        context.copyIn(this, 0, src, ValueLayout.JAVA_INT, from, count);
    }

    /** Copies {@code count} floats from the start of this buffer into {@code dst} at {@code to}. */
    public void read(float[] dst, int to, int count) {
        transfer(count, Float.BYTES);
        context.copyOut(this, 0, dst, ValueLayout.JAVA_FLOAT, to, count);
    }

    private void transfer(int count, int elementBytes) {
        checkOpen();
        if (count < 0 || (long) count * elementBytes > bytes) {
            throw new IndexOutOfBoundsException(count + " elements of " + elementBytes + " bytes do not fit a buffer of " + bytes + " bytes");
        }
    }

    MemorySegment mem() {
        checkOpen();
        return mem;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("OpenCL buffer of " + bytes + " bytes is closed");
        context.checkOpen();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        context.released(this);
        context.api().releaseMem(mem);
    }
}
