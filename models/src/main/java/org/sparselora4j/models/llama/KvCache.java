package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Shape;
import org.sparselora4j.tensor.Tensor;

/**
 * The keys and values of the positions a model has seen, per layer, so that each new token attends to them
 * without recomputing them. Each layer's keys are stored per key/value head, (kvHeads, allocated, headSize), so
 * that one head's keys of positions [0, t) are a contiguous (t, headSize) matrix that a matmul reads directly.
 * Storage grows with the positions actually stored (doubling, in steps of {@link #CHUNK} positions, up to the
 * capacity), so a session for a 128k context that reads a short prompt holds only a few chunks.
 */
public final class KvCache {
    /** Positions by which storage grows at least. */
    static final int CHUNK = 256;

    private final int kvHeads;
    private final int headSize;
    private final int capacity;
    private final float[][] keys;   // per layer: (kvHeads, allocated, headSize)
    private final float[][] values; // per layer: (kvHeads, allocated, headSize)
    private int allocated;          // positions each head has room for now, ≤ capacity
    private int length;

    /** An empty cache for up to {@code capacity} positions of a model of the given shape. */
    public KvCache(LlamaConfig config, int capacity) {
        if (capacity < 1 || capacity > config.maxSeqLen()) {
            throw new IllegalArgumentException("KV cache capacity must be in [1, " + config.maxSeqLen() + "], got " + capacity);
        }
        this.kvHeads = config.kvHeads();
        this.headSize = config.headSize();
        this.capacity = capacity;
        this.keys = new float[config.layers()][0];
        this.values = new float[config.layers()][0];
    }

    /** Positions stored so far; the next token goes to this position. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Positions there is storage for now (grows on demand up to {@link #capacity()}). */
    int allocated() {
        return allocated;
    }

    /** Forgets positions from {@code newLength} on (0 empties the cache). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " positions to " + newLength);
        }
        length = newLength;
    }

    /** Stores one layer's keys and values k, v (n, kvHeads·headSize) of positions [start, start+n). */
    void store(int layer, int start, Tensor k, Tensor v) {
        int n = k.rows();
        checkRange(start, n);
        reserve(start + n);
        scatter(k, keys[layer], start);
        scatter(v, values[layer], start);
    }

    /** Grows every layer's storage to hold at least {@code positions} (≤ capacity), keeping what is stored. */
    private void reserve(int positions) {
        if (positions <= allocated) return;
        long doubled = Math.max((long) allocated * 2, (long) positions);
        long chunked = (doubled + CHUNK - 1) / CHUNK * CHUNK;
        int grown = (int) Math.min(capacity, chunked);
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = regrow(keys[layer], grown);
            values[layer] = regrow(values[layer], grown);
        }
        allocated = grown;
    }

    /** A copy of one layer's (kvHeads, allocated, headSize) storage with room for {@code grown} positions per head. */
    private float[] regrow(float[] old, int grown) {
        float[] next = new float[Math.multiplyExact(Math.multiplyExact(kvHeads, grown), headSize)];
        for (int g = 0; g < kvHeads; g++) {
            System.arraycopy(old, g * allocated * headSize, next, g * grown * headSize, length * headSize);
        }
        return next;
    }

    private void scatter(Tensor x, float[] dst, int start) {
        float[] src = x.data();
        for (int r = 0; r < x.rows(); r++) {
            for (int g = 0; g < kvHeads; g++) {
                int from = x.offset() + r * x.cols() + g * headSize;
                int to = (g * allocated + start + r) * headSize;
                System.arraycopy(src, from, dst, to, headSize);
            }
        }
    }

    /** Keys of positions [0, count) of one key/value head: a (count, headSize) view. */
    Tensor keys(int layer, int kvHead, int count) {
        return Tensor.view(keys[layer], kvHead * allocated * headSize, Shape.of(count, headSize));
    }

    /** Values of positions [0, count) of one key/value head: a (count, headSize) view. */
    Tensor values(int layer, int kvHead, int count) {
        return Tensor.view(values[layer], kvHead * allocated * headSize, Shape.of(count, headSize));
    }

    /** Marks n more positions as stored, after every layer has stored them. */
    void advance(int n) {
        checkRange(length, n);
        length += n;
    }

    /** Throws unless positions [start, start+n) fit. */
    void checkRange(int start, int n) {
        if (start < 0 || n < 0 || start + n > capacity) {
            throw new IllegalArgumentException("positions [" + start + ", " + (start + n) + ") do not fit in a KV cache of "
                    + capacity + " positions");
        }
    }
}
