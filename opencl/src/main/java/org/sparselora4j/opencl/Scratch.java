package org.sparselora4j.opencl;

/** One reusable device buffer for per-call operands; grows (by at least half) and never shrinks. */
final class Scratch implements AutoCloseable {
    private final ClContext context;
    private ClBuffer buffer;

    Scratch(ClContext context) {
        this.context = context;
    }

    /** A buffer of at least {@code bytes}; its contents are undefined after a growth. */
    ClBuffer fit(long bytes) {
        long need = Math.max(bytes, 4);
        if (buffer == null || buffer.bytes() < need) {
            long grown = buffer == null ? need : Math.max(need, buffer.bytes() + buffer.bytes() / 2);
            close();
            buffer = context.buffer(grown);
        }
        return buffer;
    }

    @Override
    public void close() {
        if (buffer != null) {
            ClBuffer b = buffer;
            buffer = null;
            b.close();
        }
    }
}
