package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.models.llama.LlamaConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training run's memory before it loads anything: the weights (compact ones mapped or native, outside the
 * heap; float32 ones on it), the trainable state (value, gradient and AdamW's two moments, float32), the
 * activations the tape keeps for backward, the classifier's logits, and packed copies of frozen weights. The
 * activation figure counts what one decoder block keeps ({@link #blockBytes}), for every block, or with
 * checkpointing for the block inputs plus one block's worth at a time.
 *
 * @param offHeapBytes   compact weights: mapped from the file or in native memory
 * @param heapWeightBytes float32 weights on the heap
 */
public record MemoryEstimate(long offHeapBytes, long heapWeightBytes, long trainableBytes, long activationBytes, long logitBytes, long packedBytes) {
    /** The JVM's own memory beside the heap: code, metaspace, thread stacks, GC structures. */
    static final long JVM_BYTES = 400L << 20;

    public static MemoryEstimate of(LlamaConfig c, long compactWeightBytes, long heapWeightBytes, long trainableParameters, int batch, int seq,
                                    int outputTokens, boolean checkpointing, long packedBytes) {
        long tokens = (long) batch * seq;
        long layerBytes = blockBytes(c, batch, seq);
        long activations = checkpointing ? 4 * tokens * c.dim() * c.layers() + 2 * layerBytes : layerBytes * c.layers() + layerBytes;
        long logits = 2 * 4L * batch * outputTokens * c.vocabSize();
        return new MemoryEstimate(compactWeightBytes, heapWeightBytes, 16 * trainableParameters, activations, logits, packedBytes);
    }

    /**
     * Bytes one decoder block keeps for backward over batch x seq tokens: per token 18 dim-wide rows (the block's
     * input, norms, q before and after RoPE, attention output, projections, residual sums, and what the measured
     * heap showed beside them), 4 kv-wide (k, v) and 3 hidden-wide (gate and up; the dense FFN recomputes their
     * SwiGLU product in backward, SparseLoRA's keeps a narrower one), plus the attention probabilities when the
     * attention keeps them ({@link AttentionOps#keptFloats}). Checked against the live heap at the Llama 3.2 1B
     * width (ActivationMemoryTest: 116 MB measured, 130 MB here, at 512 tokens).
     */
    static long blockBytes(LlamaConfig c, int batch, int seq) {
        long tokens = (long) batch * seq;
        long perToken = 18L * c.dim() + 4L * c.kvDim() + 3L * c.hiddenDim();
        return 4 * (tokens * perToken + AttentionOps.keptFloats(batch, seq, c.heads()));
    }

    /**
     * This estimate with room for {@code packed} bytes of packed weight copies where the run still fits
     * {@code available} bytes with them (or {@code available} is unknown, ≤ 0), else with none: the copies are
     * a speed-up taken within whatever room the heap leaves ({@code Backend.cpuPackingWeights}), never a reason
     * for a run not to fit.
     */
    public MemoryEstimate withPackedRoom(long packed, long available) {
        MemoryEstimate with = new MemoryEstimate(offHeapBytes, heapWeightBytes, trainableBytes, activationBytes, logitBytes, packedBytes + packed);
        return available <= 0 || with.peakBytes() <= available ? with : this;
    }

    /** What lives on the heap at the peak. */
    public long heapBytes() {
        return heapWeightBytes + trainableBytes + activationBytes + logitBytes + packedBytes;
    }

    /** A heap size that holds {@link #heapBytes} with room for the collector to work (a third more, and 512 MiB). */
    public long heapFlagBytes() {
        return heapBytes() + heapBytes() / 3 + (512L << 20);
    }

    /** The peak resident size to expect: the heap as sized, the off-heap weights and the JVM itself. */
    public long peakBytes() {
        return heapFlagBytes() + offHeapBytes + JVM_BYTES;
    }

    /**
     * Null when the run fits {@code available} bytes, else a one-line message with the estimate and what would
     * make it fit, {@code options} naming the flags that apply to the command.
     */
    public String doesNotFit(long available, String options) {
        if (available <= 0 || peakBytes() <= available) return null;
        return String.format("needs about %.1f GB at its peak (weights %.1f GB, activations %.1f GB, trainable state %.1f GB, logits %.1f GB,"
                        + " packed copies %.1f GB, and the collector's room) but the machine has %.1f GB; %s",
                peakBytes() / 1e9, (offHeapBytes + heapWeightBytes) / 1e9, activationBytes / 1e9, trainableBytes / 1e9, logitBytes / 1e9,
                packedBytes / 1e9, available / 1e9, options);
    }

    /** The parts, in bytes, for JSON. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weights", offHeapBytes + heapWeightBytes);
        m.put("activations", activationBytes);
        m.put("trainable", trainableBytes);
        m.put("logits", logitBytes);
        m.put("packed", packedBytes);
        m.put("peak", peakBytes());
        return m;
    }
}
