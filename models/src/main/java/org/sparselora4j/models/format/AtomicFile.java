package org.sparselora4j.models.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old file or the whole new one: the content goes to a temporary
 * file in the same directory ({@code .NAME.RANDOM.tmp}), which is forced to disk and then renamed over the target.
 * On failure (a full disk, a file-size limit) the temporary file is removed, the target is untouched, and the
 * error names the target. A process killed while writing leaves its temporary file behind; {@link #isTemporary}
 * tells such files, which the next holder of a run folder's lock removes.
 */
public final class AtomicFile {
    /** What writes the content. */
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFile() {
    }

    public static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            // createTempFile makes the file owner-only; results are ordinary files (rw-r--r--) for other tools.
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(channel);
                channel.force(true);
            } catch (IOException e) {
                // A full disk or a file-size limit: say which file, and that what was there before is untouched.
                throw new IOException(target + ": not written (" + e.getMessage() + ")"
                        + (Files.exists(target) ? "; the previous file is kept unchanged" : ""), e);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Whether {@code file} is a temporary file that this class (or a writer using its naming) leaves when killed. */
    public static boolean isTemporary(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(".") && name.endsWith(".tmp") && name.length() > 5;
    }

    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(target, ch -> {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }
}
