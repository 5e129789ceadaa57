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
 * @param activationRowBytes the largest array an activation is held in (tokens x the FFN's width, in floats):
 *                           {@link #regionBytes} sizes the collector's regions so that none is wasted on it
 */
public record MemoryEstimate(long offHeapBytes, long heapWeightBytes, long trainableBytes, long activationBytes, long logitBytes, long packedBytes,
                             long activationRowBytes) {
    /** The JVM's own memory beside the heap: code, metaspace, thread stacks, GC structures. */
    static final long JVM_BYTES = 400L << 20;
    /** The LoRA rank the activation figure allows for (its rank-wide rows are a small part; 16 covers the usual ranks). */
    private static final int LORA_RANK = 16;

    public static MemoryEstimate of(LlamaConfig c, long compactWeightBytes, long heapWeightBytes, long trainableParameters, int batch, int seq,
                                    int outputTokens, boolean checkpointing, long packedBytes) {
        long tokens = (long) batch * seq;
        long layerBytes = blockBytes(c, batch, seq);
        long activations = checkpointing ? 4 * tokens * c.dim() * c.layers() + 2 * layerBytes : layerBytes * c.layers() + layerBytes;
        long logits = 2 * 4L * batch * outputTokens * c.vocabSize();
        long row = 4 * tokens * Math.max(c.dim(), c.hiddenDim());
        return new MemoryEstimate(compactWeightBytes, heapWeightBytes, 16 * trainableParameters, activations, logits, packedBytes, row);
    }

    /**
     * Bytes one decoder block keeps for backward over batch x seq tokens: per token 6 dim-wide rows (the block's
     * input, the two norms' outputs, q after RoPE, the attention output, the residual sum; q before RoPE and the
     * two projections the residual sums add are dropped), 2 kv-wide (k after RoPE, v), 2 hidden-wide (gate and up;
     * the dense FFN recomputes their SwiGLU product in backward, SparseLoRA's keeps a narrower one) and two
     * rank-wide ones per LoRA projection, plus the attention probabilities when the attention keeps them
     * ({@link AttentionOps#keptFloats}). The arrays themselves, as a collector whose regions hold them whole
     * keeps them ({@link #regionBytes}); checked against the live heap at the Llama 3.2 1B width
     * (ActivationMemoryTest).
     */
    static long blockBytes(LlamaConfig c, int batch, int seq) {
        long tokens = (long) batch * seq;
        long perToken = 6L * c.dim() + 2L * c.kvDim() + 2L * c.hiddenDim() + 7 * 2 * LORA_RANK;
        return 4 * (tokens * perToken + AttentionOps.keptFloats(batch, seq, c.heads()));
    }

    /**
     * The G1 region size for this run, in bytes, or 0 to leave the JVM's choice. G1 puts an array of half a region
     * or more in whole regions of its own ("humongous"): at the Llama 3.2 1B shape and 512 tokens the JVM's 2-4 MB
     * regions held each 4 MB dim-wide activation in 6-8 MB and each 17 MB FFN-wide one in 18-20 MB, a third more
     * heap than the activations (116 MB a block instead of 78, before the block dropped the arrays it need not keep). So where activations are most of the heap, the
     * regions are made larger than twice the largest activation array (at most 512 MB, G1's limit). Where weights
     * or their packed copies fill the heap (float32 weights: arrays of 4-1000 MB), larger regions would waste more
     * on them than they save, and the JVM's choice stays.
     */
    public long regionBytes() {
        if (heapWeightBytes + packedBytes >= activationBytes) return 0;
        long region = 1L << 20;
        while (region < 2 * activationRowBytes + 64 && region < 512L << 20) region <<= 1;
        return region;
    }

    /**
     * This estimate with room for {@code packed} bytes of packed weight copies where the run still fits
     * {@code available} bytes with them (or {@code available} is unknown, ≤ 0), else with none: the copies are
     * a speed-up taken within whatever room the heap leaves ({@code Backend.cpuPackingWeights}), never a reason
     * for a run not to fit.
     */
    public MemoryEstimate withPackedRoom(long packed, long available) {
        MemoryEstimate with = new MemoryEstimate(offHeapBytes, heapWeightBytes, trainableBytes, activationBytes, logitBytes, packedBytes + packed,
                activationRowBytes);
        return available <= 0 || with.peakBytes() <= available ? with : this;
    }

    /**
     * Whether the packed copies planned include float32 ones of the compact (off-heap) weights: more room than
     * both layouts of the float32 weights take.
     */
    public boolean widensCompact() {
        return offHeapBytes > 0 && packedBytes > 2 * heapWeightBytes;
    }

    /** What lives on the heap at the peak. */
    public long heapBytes() {
        return heapWeightBytes + trainableBytes + activationBytes + logitBytes + packedBytes;
    }

    /**
     * The least heap that holds {@link #heapBytes} with room for the collector to work (a third more, and 512 MiB):
     * what {@link #peakBytes} and {@link #doesNotFit} count.
     */
    public long heapFlagBytes() {
        return heapBytes() + heapBytes() / 3 + (512L << 20);
    }

    /**
     * The heap to start with on a machine of {@code machineBytes} (≤ 0: unknown): twice {@link #heapBytes} and a
     * GiB, where that leaves a quarter of the machine to the off-heap weights' neighbours (the OS, the page cache
     * of mapped files), else as much of it as does, never less than {@link #heapFlagBytes}. A step makes gigabytes
     * of short-lived intermediates; at the least heap G1 found the live activations filling it, ran a marking cycle
     * every few hundred milliseconds on one of the two cores and collected young every ~0.5 GB: at qwen2.5-0.5b
     * (6.7 GB on the heap) 41 marking cycles and 123 young pauses in 12 steps, against 7 and 21 at twice that,
     * and stories110M LoRA steps ran 1,636 / 1,548 ms against 1,494 / 1,485 (Zen 4, 2 threads).
     */
    public long heapFlagBytes(long machineBytes) {
        long roomy = 2 * heapBytes() + (1L << 30);
        if (machineBytes <= 0) return heapFlagBytes();
        long budget = machineBytes / 4 * 3 - offHeapBytes - JVM_BYTES;
        return Math.max(heapFlagBytes(), Math.min(roomy, budget));
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
