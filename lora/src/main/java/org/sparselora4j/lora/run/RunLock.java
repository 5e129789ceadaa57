package org.sparselora4j.lora.run;

import org.sparselora4j.models.format.AtomicFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one run that may write a run folder: an OS lock on {@code run.lock} in it, held while the run lasts. The OS
 * releases it when the process ends in any way ({@code kill -9} too), so a killed run never leaves a folder stuck;
 * the file itself stays and only says which process held it last. Whoever takes the lock removes the temporary
 * files a killed writer left ({@link AtomicFile#isTemporary}), since no other writer can be at work.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code runDir} (created if needed), or fails at once naming the process that holds it. */
    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            throw new IOException(runDir + ": in use by another run" + (holder.isEmpty() ? "" : " (" + holder + ")")
                    + "; wait for it to end or choose another --out");
        }
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            removeTemporaryFiles(runDir);
            removeTemporaryFiles(runDir.resolve("adapter"));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new RunLock(channel, lock);
    }

    private static void removeTemporaryFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> AtomicFile.isTemporary(p) && Files.isRegularFile(p))) {
            for (Path p : files) Files.deleteIfExists(p);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
