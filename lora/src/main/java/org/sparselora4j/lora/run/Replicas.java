package org.sparselora4j.lora.run;

import org.sparselora4j.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The replicas of a data-parallel run as the training loop sees them: this one's rank among {@code count()}, and the
 * step's exchange. Each step every replica computes the gradients of its shard of the global batch (its loss divided
 * by the global batch's labelled tokens), then {@link #sumAcrossReplicas} adds up every replica's gradients and
 * counters, so each holds the gradient of the global batch and the optimizer runs identically everywhere. One
 * process is {@link #SINGLE}.
 */
public interface Replicas {
    /** This replica's rank, 0 to {@code count() - 1}; rank 0 writes the run folder. */
    int rank();

    /** The number of replicas (data-parallel workers). */
    int count();

    /**
     * Replaces each tensor in {@code grads} and each value in {@code counters} by its sum over all replicas (the
     * same order on every replica); blocks until all have contributed or throws after its timeout.
     */
    void sumAcrossReplicas(List<Tensor> grads, double[] counters);

    /** Facts for the summary (workers, all-reduce time, bytes exchanged); empty for one process. */
    Map<String, Object> describe();

    /** A short tail for progress lines ("" for one process). */
    String progress(long steps);

    /** Whether this replica writes the run folder (metrics, checkpoints, the adapter). */
    default boolean writes() {
        return rank() == 0;
    }

    /** One process: nothing to exchange. */
    Replicas SINGLE = new Replicas() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int count() {
            return 1;
        }

        @Override
        public void sumAcrossReplicas(List<Tensor> grads, double[] counters) {
        }

        @Override
        public Map<String, Object> describe() {
            return Map.of();
        }

        @Override
        public String progress(long steps) {
            return "";
        }
    };
}
