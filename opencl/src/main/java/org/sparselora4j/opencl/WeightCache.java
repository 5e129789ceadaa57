package org.sparselora4j.opencl;

import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.TensorKey;

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
    private final Map<TensorKey, ClBuffer> buffers = new HashMap<>();
    private long bytes;

    WeightCache(ClContext context) {
        this.context = context;
    }

    /** The device copy of {@code w} (a non-empty tensor), uploaded on first sight. */
    ClBuffer get(Tensor w) {
        TensorKey key = TensorKey.of(w);
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
        ClBuffer b = buffers.remove(TensorKey.of(w));
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
