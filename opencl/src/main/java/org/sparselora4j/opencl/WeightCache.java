package org.sparselora4j.opencl;

import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Device copies of frozen weights, keyed by the identity of the backing {@code float[]} plus offset and size
 * (never by contents, so a lookup costs no pass over the weight). A cached weight must not be written while it
 * is cached: the device copy would go stale silently; {@link #evict} it first.
 */
final class WeightCache implements AutoCloseable {
    private final ClContext context;
    private final Map<Key, ClBuffer> buffers = new HashMap<>();
    private long bytes;

    /** Identity of a window of an array: two views of the same elements share a device copy. */
    private record Key(float[] data, int offset, int size) {
        static Key of(Tensor t) {
            return new Key(t.data(), t.offset(), t.size());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.data == data && k.offset == offset && k.size == size;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(data) * 31 + offset) * 31 + size;
        }
    }

    WeightCache(ClContext context) {
        this.context = context;
    }

    /** The device copy of {@code w} (a non-empty tensor), uploaded on first sight. */
    ClBuffer get(Tensor w) {
        Key key = Key.of(w);
        ClBuffer b = buffers.get(key);
        if (b == null) {
            b = context.buffer((long) w.size() * Float.BYTES);
            try {
                b.write(w.data(), w.offset(), w.size());
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
            buffers.put(key, b);
            bytes += b.bytes();
        }
        return b;
    }

    boolean evict(Tensor w) {
        ClBuffer b = buffers.remove(Key.of(w));
        if (b == null) return false;
        bytes -= b.bytes();
        b.close();
        return true;
    }

    int size() {
        return buffers.size();
    }

    long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        List<ClBuffer> all = new ArrayList<>(buffers.values());
        buffers.clear();
        bytes = 0;
        RuntimeException first = null;
        for (ClBuffer b : all) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
