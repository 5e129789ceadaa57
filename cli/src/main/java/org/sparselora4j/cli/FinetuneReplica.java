package org.sparselora4j.cli;

import org.sparselora4j.lora.run.Replicas;

import java.io.PrintStream;
import java.util.List;

/**
 * One replica of a data-parallel {@code finetune} (the {@code distributed} module runs one per Spark task): the same
 * command with the same flags, training on its shard of each global batch and exchanging gradients through
 * {@code replicas}. Replica 0 writes the run folder; the driver holds its lock.
 */
public final class FinetuneReplica {
    private FinetuneReplica() {
    }

    /**
     * Runs {@code finetune argv} as replica {@code replicas.rank()}; {@code resume} continues from the run folder's
     * checkpoint (a retried stage passes true). Returns the summary JSON (each replica's own; replica 0's is the run's).
     */
    public static String run(List<String> argv, Replicas replicas, boolean resume, PrintStream err) throws Exception {
        FinetuneCommand command = new FinetuneCommand();
        Args args = Args.parse(command.name(), argv, command.flags());
        return command.replica(args, replicas, resume, err);
    }
}
