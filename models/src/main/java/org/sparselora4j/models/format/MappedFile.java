package org.sparselora4j.models.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped read-only into memory, read as little-endian values at byte offsets. Every read is bounds-checked
 * against the file size and reports a {@link ModelFormatException} naming the file, so loaders can read headers
 * without checking each offset themselves. Closing unmaps the file.
 */
final class MappedFile implements AutoCloseable {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final boolean kept;

    private MappedFile(Path path, Arena arena, MemorySegment segment, boolean kept) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.kept = kept;
    }

    /** Maps the whole file; {@link #close} unmaps it. */
    static MappedFile open(Path path) throws IOException {
        return open(path, false);
    }

    /**
     * Maps the whole file for weights used in place ({@link WeightStorage#AS_STORED}): the mapping lives as long as
     * any tensor over it is reachable (an automatic arena), so {@link #close} leaves it to the collector.
     */
    static MappedFile openKept(Path path) throws IOException {
        return open(path, true);
    }

    private static MappedFile open(Path path, boolean kept) throws IOException {
        Arena arena = kept ? Arena.ofAuto() : Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new MappedFile(path, arena, segment, kept);
        } catch (IOException | RuntimeException e) {
            if (!kept) arena.close();
            throw e;
        }
    }

    /** True when tensors may be views of this mapping ({@link #openKept}). */
    boolean kept() {
        return kept;
    }

    Path path() {
        return path;
    }

    long size() {
        return segment.byteSize();
    }

    MemorySegment segment() {
        return segment;
    }

    /** A format error about this file. */
    ModelFormatException error(String problem) {
        return new ModelFormatException(path, problem);
    }

    /** Throws unless [offset, offset + bytes) lies inside the file; {@code what} names the data in the message. */
    void require(long offset, long bytes, String what) throws ModelFormatException {
        if (offset < 0 || bytes < 0 || offset > size() || bytes > size() - offset) {
            throw error("truncated: " + what + " needs " + bytes + " bytes at offset " + offset
                    + " but the file has " + size() + " bytes");
        }
    }

    int readInt(long offset, String what) throws ModelFormatException {
        require(offset, 4, what);
        return segment.get(INT, offset);
    }

    long readLong(long offset, String what) throws ModelFormatException {
        require(offset, 8, what);
        return segment.get(LONG, offset);
    }

    float readFloat(long offset, String what) throws ModelFormatException {
        require(offset, 4, what);
        return segment.get(FLOAT, offset);
    }

    byte readByte(long offset, String what) throws ModelFormatException {
        require(offset, 1, what);
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    byte[] readBytes(long offset, int count, String what) throws ModelFormatException {
        require(offset, count, what);
        byte[] out = new byte[count];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, out, 0, count);
        return out;
    }

    String readUtf8(long offset, int count, String what) throws ModelFormatException {
        return new String(readBytes(offset, count, what), StandardCharsets.UTF_8);
    }

    /** {@code count} little-endian float32 values from {@code offset}, copied into a new array. */
    float[] readFloats(long offset, int count, String what) throws ModelFormatException {
        require(offset, 4L * count, what);
        float[] out = new float[count];
        MemorySegment.copy(segment, FLOAT, offset, out, 0, count);
        return out;
    }

    @Override
    public void close() {
        if (!kept) arena.close();
    }
}
