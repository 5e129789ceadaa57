package org.sparselora4j.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A ring of {@code count} replicas over TCP: replica r sends to r+1 and receives from r−1 (mod count). {@link #sum}
 * is the bandwidth-optimal ring all-reduce: count−1 reduce-scatter steps, after which replica r holds the sum of chunk
 * r+1, then count−1 all-gather steps that pass the summed chunks on. Each replica sends 2·(count−1)/count of the
 * buffer, and every replica ends with the same bits (each chunk is summed once, in one order, then copied).
 */
public final class Ring implements AutoCloseable {
    /** Written first on each connection: a wrong peer (or a stray connection) is refused. */
    private static final int MAGIC = 0x5A4C5231;

    private final int rank;
    private final int count;
    private final Socket toNext;
    private final Socket fromPrevious;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final ExecutorService sender;
    private final int stepTimeoutMs;
    private byte[] sendBytes = new byte[0];
    private byte[] receiveBytes = new byte[0];
    private long bytesSent;
    private long nanos;
    private long waitNanos;
    private long calls;
    private boolean firstOfSum;

    private Ring(int rank, int count, Socket toNext, Socket fromPrevious, int stepTimeoutMs) throws IOException {
        this.rank = rank;
        this.count = count;
        this.toNext = toNext;
        this.fromPrevious = fromPrevious;
        this.stepTimeoutMs = stepTimeoutMs;
        this.out = toNext == null ? null : new DataOutputStream(new BufferedOutputStream(toNext.getOutputStream(), 1 << 16));
        this.in = fromPrevious == null ? null : new DataInputStream(new BufferedInputStream(fromPrevious.getInputStream(), 1 << 16));
        this.sender = count == 1 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ring-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /** A ring of one: {@link #sum} leaves the buffer as it is. */
    public static Ring single() {
        try {
            return new Ring(0, 1, null, null, 0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Joins the ring: {@code server} is this replica's listening socket (its address is {@code addresses.get(rank)},
     * published in the rendezvous); connects to the next replica and accepts the previous one, each within
     * {@code connectTimeoutMs}. Each later exchange step must complete within {@code stepTimeoutMs}.
     */
    public static Ring join(ServerSocket server, int rank, List<InetSocketAddress> addresses, long token, int connectTimeoutMs, int stepTimeoutMs) {
        int count = addresses.size();
        if (rank < 0 || rank >= count) throw new IllegalArgumentException("rank " + rank + " of " + count);
        if (count == 1) return single();
        InetSocketAddress next = addresses.get((rank + 1) % count);
        Socket toNext = null;
        Socket fromPrevious = null;
        try {
            long deadline = System.nanoTime() + connectTimeoutMs * 1_000_000L;
            toNext = connect(next, deadline, connectTimeoutMs);
            toNext.setTcpNoDelay(true);
            DataOutputStream hello = new DataOutputStream(toNext.getOutputStream());
            hello.writeInt(MAGIC);
            hello.writeLong(token);
            hello.writeInt(rank);
            hello.flush();
            int expected = (rank + count - 1) % count;
            server.setSoTimeout(connectTimeoutMs);
            while (fromPrevious == null) {
                Socket s = server.accept();
                s.setSoTimeout(connectTimeoutMs);
                DataInputStream din = new DataInputStream(s.getInputStream());
                try {
                    if (din.readInt() == MAGIC && din.readLong() == token && din.readInt() == expected) {
                        fromPrevious = s;
                        break;
                    }
                } catch (IOException ignored) {
                    // a stray or half-open connection: refuse it and keep waiting for the real peer
                }
                s.close();
                if (System.nanoTime() > deadline) throw new SocketTimeoutException("no connection from replica " + expected);
            }
            fromPrevious.setSoTimeout(stepTimeoutMs);
            fromPrevious.setReceiveBufferSize(1 << 20);
            toNext.setSendBufferSize(1 << 20);
            return new Ring(rank, count, toNext, fromPrevious, stepTimeoutMs);
        } catch (IOException e) {
            closeQuietly(toNext);
            closeQuietly(fromPrevious);
            throw new RingException("replica " + rank + " of " + count + " could not join the ring (next " + next + ") within "
                    + connectTimeoutMs + " ms: " + e.getMessage(), e);
        }
    }

    private static Socket connect(InetSocketAddress to, long deadline, int timeoutMs) throws IOException {
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket s = new Socket();
            try {
                s.connect(to, timeoutMs);
                return s;
            } catch (IOException e) {
                last = e;
                s.close();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        throw last != null ? last : new SocketTimeoutException("connect to " + to);
    }

    public int rank() {
        return rank;
    }

    public int count() {
        return count;
    }

    /** Bytes this replica has sent so far. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Total time spent in {@link #sum}, in milliseconds. */
    public double millis() {
        return nanos / 1e6;
    }

    /**
     * Of {@link #millis}, the time spent waiting for the previous replica's first chunk: the slowest replica's lead
     * (its backward still running), not the exchange itself.
     */
    public double waitMillis() {
        return waitNanos / 1e6;
    }

    /** How many times {@link #sum} ran. */
    public long calls() {
        return calls;
    }

    /** Replaces {@code buffer[0, length)} by its sum over all replicas (every replica passes the same length). */
    public void sum(float[] buffer, int length) {
        if (count == 1) return;
        long t0 = System.nanoTime();
        int chunk = (length + count - 1) / count;
        ensureRoom(chunk);
        firstOfSum = true;
        // Reduce-scatter: at step s replica r sends chunk (r − s) and adds what it receives into chunk (r − s − 1).
        for (int s = 0; s < count - 1; s++) {
            int send = Math.floorMod(rank - s, count);
            int receive = Math.floorMod(rank - s - 1, count);
            exchange(buffer, length, chunk, send, receive, true);
        }
        // All-gather: replica r now holds the full sum of chunk (r + 1); pass the summed chunks round.
        for (int s = 0; s < count - 1; s++) {
            int send = Math.floorMod(rank + 1 - s, count);
            int receive = Math.floorMod(rank - s, count);
            exchange(buffer, length, chunk, send, receive, false);
        }
        nanos += System.nanoTime() - t0;
        calls++;
    }

    private void exchange(float[] buffer, int length, int chunk, int send, int receive, boolean add) {
        int sendFrom = Math.min(length, send * chunk);
        int sendCount = Math.min(length, sendFrom + chunk) - sendFrom;
        int receiveFrom = Math.min(length, receive * chunk);
        int receiveCount = Math.min(length, receiveFrom + chunk) - receiveFrom;
        ByteBuffer.wrap(sendBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(buffer, sendFrom, sendCount);
        Future<?> sent = sender.submit(() -> {
            out.writeInt(sendCount);
            out.write(sendBytes, 0, sendCount * Float.BYTES);
            out.flush();
            return null;
        });
        try {
            long waitStart = System.nanoTime();
            int n = in.readInt();
            if (firstOfSum) {
                waitNanos += System.nanoTime() - waitStart;
                firstOfSum = false;
            }
            if (n != receiveCount) throw new IOException("replica " + Math.floorMod(rank - 1, count) + " sent " + n + " floats, expected " + receiveCount);
            in.readFully(receiveBytes, 0, n * Float.BYTES);
            var floats = ByteBuffer.wrap(receiveBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            if (add) {
                for (int i = 0; i < n; i++) buffer[receiveFrom + i] += floats.get(i);
            } else {
                floats.get(buffer, receiveFrom, n);
            }
            sent.get(stepTimeoutMs, TimeUnit.MILLISECONDS);
            bytesSent += 4L + (long) sendCount * Float.BYTES;
        } catch (SocketTimeoutException | TimeoutException e) {
            sent.cancel(true);
            throw new RingException("all-reduce on replica " + rank + " of " + count + ": no data from its neighbour within " + stepTimeoutMs + " ms", e);
        } catch (IOException e) {
            sent.cancel(true);
            throw new RingException("all-reduce on replica " + rank + " of " + count + ": " + (e.getMessage() == null ? "connection lost" : e.getMessage()), e);
        } catch (ExecutionException e) {
            throw new RingException("all-reduce on replica " + rank + " of " + count + ": sending failed (" + e.getCause().getMessage() + ")", e);
        } catch (InterruptedException e) {
            sent.cancel(true);
            Thread.currentThread().interrupt();
            throw new RingException("all-reduce on replica " + rank + " of " + count + ": interrupted", e);
        }
    }

    private void ensureRoom(int floats) {
        if (sendBytes.length < floats * Float.BYTES) {
            sendBytes = new byte[floats * Float.BYTES];
            receiveBytes = new byte[floats * Float.BYTES];
        }
    }

    @Override
    public void close() {
        if (sender != null) sender.shutdownNow();
        closeQuietly(toNext);
        closeQuietly(fromPrevious);
    }

    private static void closeQuietly(Socket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing on the way out: nothing left to do
        }
    }
}
