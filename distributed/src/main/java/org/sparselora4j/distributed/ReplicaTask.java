package org.sparselora4j.distributed;

import org.apache.spark.BarrierTaskContext;
import org.sparselora4j.cli.FinetuneReplica;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What each task of the barrier stage runs: publish this replica's ring address (allGather, once), join the ring,
 * then {@code finetune} as replica {@code partitionId}. A retried stage (attempt above 0) resumes from the run
 * folder's checkpoint. Replica 0's progress lines go to the driver over a socket; its summary is the task's result.
 */
final class ReplicaTask implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Messages of failures in a replica start with this, so the driver can find them in Spark's report. */
    static final String MARK = "sparselora4j-replica: ";

    private final List<String> args;
    private final String runDir;
    private final String progressHost;
    private final int progressPort;
    private final long token;
    private final int rendezvousTimeoutMs;
    private final int allReduceTimeoutMs;
    private final String killAt;

    /**
     * @param killAt the fault test's "RANK@CALL": that replica halts its JVM at that all-reduce of the stage's first
     *               attempt (as if its executor were killed); empty otherwise
     */
    ReplicaTask(List<String> args, String runDir, String progressHost, int progressPort, long token, int rendezvousTimeoutMs,
                int allReduceTimeoutMs, String killAt) {
        this.args = List.copyOf(args);
        this.runDir = runDir;
        this.progressHost = progressHost;
        this.progressPort = progressPort;
        this.token = token;
        this.rendezvousTimeoutMs = rendezvousTimeoutMs;
        this.allReduceTimeoutMs = allReduceTimeoutMs;
        this.killAt = killAt;
    }

    String run() {
        BarrierTaskContext context = BarrierTaskContext.get();
        int rank = context.partitionId();
        int attempt = context.stageAttemptNumber();
        try (ServerSocket server = new ServerSocket(0)) {
            String address = context.getTaskInfos()[rank].address();  // the executor's "host:port"
            String host = address.lastIndexOf(':') > 0 ? address.substring(0, address.lastIndexOf(':')) : address;
            String problem = writable(Path.of(runDir));
            String[] published = context.allGather(problem != null ? "!" + problem : host + ":" + server.getLocalPort());
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String p : published) {
                if (p.startsWith("!")) throw new IllegalStateException(p.substring(1));
                int colon = p.lastIndexOf(':');
                addresses.add(new InetSocketAddress(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
            }
            try (Ring ring = Ring.join(server, rank, addresses, token + attempt, rendezvousTimeoutMs, allReduceTimeoutMs);
                 PrintStream progress = progress(rank)) {
                RingReplicas replicas = new RingReplicas(ring, haltAt(rank, attempt));
                if (attempt > 0) progress.printf("stage attempt %d: replica %d resumes from the run folder's checkpoint%n", attempt, rank);
                boolean resume = attempt > 0 || args.contains("--resume");
                List<String> argv = new ArrayList<>(args);
                argv.remove("--resume");
                String summary = FinetuneReplica.run(argv, replicas, resume, progress);
                return rank == 0 ? summary : "";
            }
        } catch (Exception e) {
            String m = e.getMessage();
            if (e instanceof java.io.UncheckedIOException u && u.getCause() != null) m = u.getCause().getMessage();
            throw new IllegalStateException(MARK + "replica " + rank + ": " + (m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ')), e);
        }
    }

    private long haltAt(int rank, int attempt) {
        if (killAt.isEmpty() || attempt > 0) return -1;
        String[] parts = killAt.split("@");
        return Integer.parseInt(parts[0]) == rank ? Long.parseLong(parts[1]) : -1;
    }

    /** Why this executor cannot write the run folder, or null when it can. */
    private static String writable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".probe-", ".tmp");
            Files.delete(probe);
            return null;
        } catch (IOException | SecurityException e) {
            return "the run folder " + dir + " is not writable from executor " + hostName() + " (" + e.getMessage() + "); on a cluster --out must be a path every executor shares";
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Replica 0 sends its progress to the driver; the others log it on their own stderr. */
    private PrintStream progress(int rank) throws IOException {
        if (rank != 0) return new PrintStream(new NonClosing(System.err), true, StandardCharsets.UTF_8);
        Socket s = new Socket();
        s.connect(new InetSocketAddress(progressHost, progressPort), rendezvousTimeoutMs);
        return new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** System.err must stay open when a replica's stream is closed. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
