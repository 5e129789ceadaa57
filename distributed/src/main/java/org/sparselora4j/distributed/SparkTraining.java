package org.sparselora4j.distributed;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The driver of {@code finetune --workers N}: starts Spark (a {@code local-cluster} of N executor processes, or the
 * given master, or the one {@code spark-submit} set), waits for N executors, and runs one barrier stage of N tasks,
 * each a replica ({@link ReplicaTask}). The stage feeds a one-partition shuffle, so it is a shuffle-map stage that
 * Spark retries when a task or executor fails (a failed barrier result stage is not retried); the retried replicas
 * resume from the last checkpoint. Returns replica 0's summary JSON.
 */
public final class SparkTraining {
    /** Seconds to wait for the executors, the rendezvous and the ring's connections. */
    public static final String RENDEZVOUS_TIMEOUT = "sparselora4j.spark.rendezvousTimeoutS";
    /** Seconds one all-reduce step may wait for its neighbour. */
    public static final String ALLREDUCE_TIMEOUT = "sparselora4j.spark.allReduceTimeoutS";
    /** Executor memory of the local cluster in MB. */
    public static final String EXECUTOR_MB = "sparselora4j.spark.executorMb";
    /** The fault test: "RANK@CALL" halts that replica's executor at that all-reduce of the first attempt. */
    public static final String KILL_AT = "sparselora4j.fault.killReplica";
    private static final String LOG_CONFIG = "sparselora4j-spark-log4j2.properties";

    private SparkTraining() {
    }

    public static String train(List<String> replicaArgs, int workers, String master, Path runDir, PrintStream err) throws IOException {
        int rendezvousS = Integer.getInteger(RENDEZVOUS_TIMEOUT, 120);
        int allReduceS = Integer.getInteger(ALLREDUCE_TIMEOUT, 600);
        if (System.getProperty("log4j2.configurationFile") == null) System.setProperty("log4j2.configurationFile", "classpath:" + LOG_CONFIG);
        SparkConf conf = conf(workers, master, rendezvousS);
        Files.createDirectories(runDir);
        try (ServerSocket progressServer = new ServerSocket(0);
             JavaSparkContext sc = start(conf, workers, master)) {
            sc.setLogLevel("ERROR");
            // local[N] runs every task in the driver (no executors to wait for); the barrier stage's slot check decides.
            if (!conf.get("spark.master").startsWith("local[")) waitForExecutors(sc, workers, rendezvousS, conf.get("spark.master"));
            Thread relay = relay(progressServer, err);
            String driverHost = sc.getConf().get("spark.driver.host");
            ReplicaTask task = new ReplicaTask(replicaArgs, runDir.toString(), driverHost, progressServer.getLocalPort(), new SplittableRandom().nextLong(),
                    rendezvousS * 1000, allReduceS * 1000, System.getProperty(KILL_AT, ""));
            err.printf("finetune: %d data-parallel workers on Spark %s (%s)%n", workers, sc.version(), conf.get("spark.master"));
            JavaRDD<Integer> ranks = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
            ClassTag<String> tag = ClassTag$.MODULE$.apply(String.class);
            RDD<String> stage = ranks.rdd().barrier().mapPartitions(new Replica(task), false, tag);
            List<String> results;
            try {
                results = new JavaRDD<>(stage, tag).repartition(1).collect();
            } catch (Exception e) {  // SparkException is checked in Scala's sense only
                throw new IOException(reason(e, workers));
            } finally {
                relay.interrupt();
            }
            return results.stream().filter(s -> !s.isEmpty()).findFirst()
                    .orElseThrow(() -> new IOException("no summary came back from replica 0"));
        }
    }

    private static SparkConf conf(int workers, String master, int rendezvousS) {
        SparkConf conf = new SparkConf().setAppName("sparselora4j finetune");
        String javaOptions = "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
                + " -Dlog4j2.configurationFile=classpath:" + LOG_CONFIG
                + (System.getProperty("sparselora4j.home") != null ? " -Dsparselora4j.home=" + System.getProperty("sparselora4j.home") : "");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            String home = System.getenv("SPARK_HOME");
            if (home == null || !Files.isDirectory(Path.of(home, "jars"))) {
                throw new IllegalArgumentException("--workers without --spark-master starts a local Spark cluster, which needs SPARK_HOME set to a folder with a"
                        + " jars/ subfolder (it may be empty; ./sparselora4j sets one up)" + (home == null ? "" : "; SPARK_HOME=" + home + " has none"));
            }
            int mb = Integer.getInteger(EXECUTOR_MB, 1024);
            conf.setMaster("local-cluster[" + workers + ",1," + mb + "]")
                    .set("spark.executor.memory", mb + "m")
                    .set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                    .set("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        }
        conf.set("spark.executor.extraJavaOptions", javaOptions)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.log.level", "ERROR")
                .set("spark.barrier.sync.timeout", rendezvousS + "s")
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", Integer.toString(Math.max(1, rendezvousS)))
                .set("spark.stage.maxConsecutiveAttempts", "3");
        return conf;
    }

    private static JavaSparkContext start(SparkConf conf, int workers, String master) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return new JavaSparkContext(conf);
            } catch (Exception e) {  // SparkException is checked in Scala's sense only
                // A context that a failed master stopped may still be shutting down: wait for it, briefly.
                boolean previous = e.getMessage() != null && e.getMessage().startsWith("Only one SparkContext");
                if (!previous || System.nanoTime() > deadline) {
                    throw new IllegalArgumentException((master != null ? "--spark-master " + master : "Spark") + ": could not start ("
                            + firstLine(e.getMessage()) + ")");
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting Spark");
                }
            }
        }
    }

    /** Waits until {@code workers} executors have registered; a master that is unreachable or too small fails here. */
    private static void waitForExecutors(JavaSparkContext sc, int workers, int timeoutS, String master) {
        long deadline = System.nanoTime() + timeoutS * 1_000_000_000L;
        while (true) {
            int executors = sc.sc().statusTracker().getExecutorInfos().length - 1;  // the driver is listed too
            if (executors >= workers) return;
            if (System.nanoTime() > deadline || sc.sc().isStopped()) {
                throw new IllegalArgumentException("--workers " + workers + ": " + executors + " Spark executors registered with " + master + " within " + timeoutS
                        + " s (is the master reachable, and can it run " + workers + " tasks at once?)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Spark executors");
            }
        }
    }

    /** Copies the progress lines replica 0 sends (one connection per stage attempt) to {@code err}. */
    private static Thread relay(ServerSocket server, PrintStream err) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (Socket s = server.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) err.println(line);
                } catch (IOException e) {
                    return;  // the server closed: the run is over
                }
            }
        }, "progress-relay");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** One line from Spark's report of a failed job: a replica's own message where there is one. */
    static String reason(Throwable e, int workers) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            int at = m.indexOf(ReplicaTask.MARK);
            if (at >= 0) return firstLine(m.substring(at + ReplicaTask.MARK.length()));
            if (m.contains("Barrier execution mode does not allow run a barrier stage that requires more slots")) {
                return "--workers " + workers + ": the cluster cannot run " + workers + " tasks at once, which the barrier stage needs";
            }
        }
        return "Spark job failed: " + firstLine(e.getMessage());
    }

    private static String firstLine(String m) {
        if (m == null) return "no message";
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }

    /** The barrier stage's function: one partition, one replica. */
    private static final class Replica extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<String>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final ReplicaTask task;

        Replica(ReplicaTask task) {
            this.task = task;
        }

        @Override
        public scala.collection.Iterator<String> apply(scala.collection.Iterator<Integer> ignored) {
            List<String> out = new ArrayList<>();
            out.add(task.run());
            Iterator<String> it = out.iterator();
            return CollectionConverters.asScala(it);
        }
    }
}
