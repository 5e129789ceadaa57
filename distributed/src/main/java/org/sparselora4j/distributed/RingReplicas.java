package org.sparselora4j.distributed;

import org.sparselora4j.lora.run.Replicas;
import org.sparselora4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop's view of a {@link Ring}: each step the gradients and counters are copied into one float buffer,
 * summed round the ring, and copied back, so every replica holds the same bits.
 */
public final class RingReplicas implements Replicas {
    private final Ring ring;
    private final long haltAtCall;
    private long steps;
    private float[] buffer = new float[0];

    public RingReplicas(Ring ring) {
        this(ring, -1);
    }

    /** The fault test's hook: at all-reduce number {@code haltAtCall} (1-based; -1 never) this JVM halts, as if killed. */
    RingReplicas(Ring ring, long haltAtCall) {
        this.ring = ring;
        this.haltAtCall = haltAtCall;
    }

    @Override
    public int rank() {
        return ring.rank();
    }

    @Override
    public int count() {
        return ring.count();
    }

    @Override
    public void sumAcrossReplicas(List<Tensor> grads, double[] counters) {
        // The step's gradient exchange carries the counters; SparseLoRA's channel scores (no counters) come between.
        if (counters.length > 0 && ++steps == haltAtCall) {
            System.err.println("fault: replica " + ring.rank() + " halts its executor at the all-reduce of step " + steps);
            Runtime.getRuntime().halt(137);
        }
        int length = counters.length;
        for (Tensor g : grads) length += g.size();
        if (buffer.length < length) buffer = new float[length];
        int at = 0;
        for (Tensor g : grads) {
            System.arraycopy(g.data(), g.offset(), buffer, at, g.size());
            at += g.size();
        }
        // The counters (loss, tokens) travel as floats: 24 bits are exact for token counts below 16M and
        // about 1e-7 relative for the loss.
        for (double c : counters) buffer[at++] = (float) c;
        ring.sum(buffer, length);
        at = 0;
        for (Tensor g : grads) {
            System.arraycopy(buffer, at, g.data(), g.offset(), g.size());
            at += g.size();
        }
        for (int i = 0; i < counters.length; i++) counters[i] = buffer[at++];
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", ring.count());
        m.put("allreduce_ms_per_step", steps == 0 ? 0.0 : ring.millis() / steps);
        m.put("allreduce_wait_ms_per_step", steps == 0 ? 0.0 : ring.waitMillis() / steps);
        m.put("allreduce_calls", ring.calls());
        m.put("allreduce_bytes_sent", ring.bytesSent());
        return m;
    }

    @Override
    public String progress(long steps) {
        double calls = Math.max(1, this.steps);
        return String.format("  workers %d  all-reduce %.1f ms/step (%.1f of it waiting for a peer)  %.1f MB sent", ring.count(), ring.millis() / calls,
                ring.waitMillis() / calls, ring.bytesSent() / 1e6);
    }
}
