package org.sparselora4j.tensor;

/**
 * The identity of a tensor's elements: its backing array (by identity, never by contents, so a lookup costs no
 * pass over the data), offset and size. Two views of the same elements share a key. Caches of derived copies
 * of frozen weights (a device copy, a packed copy) are keyed by it.
 */
public record TensorKey(float[] data, int offset, int size) {
    public static TensorKey of(Tensor t) {
        return new TensorKey(t.data(), t.offset(), t.size());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorKey k && k.data == data && k.offset == offset && k.size == size;
    }

    @Override
    public int hashCode() {
        return (System.identityHashCode(data) * 31 + offset) * 31 + size;
    }

    @Override
    public String toString() {
        return "TensorKey[" + size + " floats at " + offset + "]";
    }
}
