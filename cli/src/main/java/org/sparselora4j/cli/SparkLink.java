package org.sparselora4j.cli;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;

/**
 * The cli's one way to the {@code distributed} module (data-parallel training on Apache Spark), by reflection on
 * {@value #CLASS}: that module and Spark's jars are on the class path only when the launcher is asked for workers
 * (or under {@code spark-submit}); the cli compiles and runs without them.
 */
final class SparkLink {
    static final String CLASS = "org.sparselora4j.distributed.SparkTraining";
    static final String NOT_FOUND = "Spark support is not on the class path (run scripts/fetch-spark.sh once, then ./sparselora4j finetune --workers N ...;"
            + " on a cluster, spark-submit the application as the README shows)";

    private SparkLink() {
    }

    /**
     * Trains with {@code workers} data-parallel replicas, each running {@code finetune} with {@code replicaArgs};
     * returns the summary JSON of replica 0. {@code master} is null for a local cluster started here.
     */
    static String train(List<String> replicaArgs, int workers, String master, Path runDir, PrintStream err) {
        Class<?> entry;
        try {
            entry = Class.forName(CLASS, true, SparkLink.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new UsageException("finetune: --workers: " + NOT_FOUND);
        }
        Method method;
        try {
            method = entry.getMethod("train", List.class, int.class, String.class, Path.class, PrintStream.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(CLASS + ".train is missing (a distributed module of another version?)", e);
        }
        try {
            return (String) method.invoke(null, replicaArgs, workers, master, runDir, err);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(CLASS + ".train is not accessible", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error r) throw r;
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }
}
