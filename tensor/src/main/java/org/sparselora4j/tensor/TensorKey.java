package org.sparselora4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The identity of a tensor's elements: where they are stored (its backing array, by identity, never by contents,
 * so a lookup costs no pass over the data; for a compact tensor its bytes' base object and address), offset and
 * size. Two views of the same elements share a key. Caches of derived copies of frozen weights (a device copy,
 * a packed copy) are keyed by it.
 */
public record TensorKey(Object storage, long offset, int size) {
    public static TensorKey of(Tensor t) {
        if (!t.isCompact()) return new TensorKey(t.data(), t.offset(), t.size());
        MemorySegment b = t.bytes();
        return new TensorKey(b.heapBase().orElse(null), b.address(), t.size());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorKey k && k.storage == storage && k.offset == offset && k.size == size;
    }

    @Override
    public int hashCode() {
        return (System.identityHashCode(storage) * 31 + Long.hashCode(offset)) * 31 + size;
    }

    @Override
    public String toString() {
        return "TensorKey[" + size + " elements at " + offset + "]";
    }
}
