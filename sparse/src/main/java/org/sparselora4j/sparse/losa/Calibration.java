package org.sparselora4j.sparse.losa;

import org.sparselora4j.models.llama.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Calibration sequences for pruning and for layer similarity: N token sequences of one length T, grouped into
 * chunks that go through a block together (the chunk size bounds the memory of one block's activations).
 * They carry no targets: calibration only reads activations.
 */
public final class Calibration {
    private final List<int[]> sequences;
    private final int seqLen;
    private final int chunkSize;
    private final List<TokenBatch> chunks;

    private Calibration(List<int[]> sequences, int chunkSize) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("calibration needs at least one sequence");
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be at least 1, got " + chunkSize);
        this.seqLen = sequences.getFirst().length;
        if (seqLen < 1) throw new IllegalArgumentException("calibration sequences must not be empty");
        List<int[]> copy = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            if (sequences.get(i).length != seqLen) {
                throw new IllegalArgumentException("calibration sequence " + i + " has " + sequences.get(i).length + " tokens, the first has " + seqLen);
            }
            copy.add(sequences.get(i).clone());
        }
        this.sequences = List.copyOf(copy);
        this.chunkSize = chunkSize;
        List<TokenBatch> c = new ArrayList<>();
        for (int from = 0; from < copy.size(); from += chunkSize) c.add(batch(copy.subList(from, Math.min(copy.size(), from + chunkSize)), seqLen));
        this.chunks = List.copyOf(c);
    }

    /** Sequences of equal length, run {@code chunkSize} at a time. */
    public static Calibration of(List<int[]> sequences, int chunkSize) {
        return new Calibration(sequences, chunkSize);
    }

    private static TokenBatch batch(List<int[]> seqs, int t) {
        int b = seqs.size();
        int[] tokens = new int[b * t];
        int[] targets = new int[b * t];
        int[] lengths = new int[b];
        Arrays.fill(targets, -1);
        Arrays.fill(lengths, t);
        for (int r = 0; r < b; r++) System.arraycopy(seqs.get(r), 0, tokens, r * t, t);
        return new TokenBatch(b, t, tokens, targets, lengths);
    }

    /** N, the number of sequences. */
    public int sequences() {
        return sequences.size();
    }

    /** T, the tokens of each sequence. */
    public int seqLen() {
        return seqLen;
    }

    /** The sequences in chunks, in order; chunk c holds sequences [c·chunkSize, ...). */
    public List<TokenBatch> chunks() {
        return chunks;
    }

    /** The first {@code n} sequences (all of them when n ≥ N), in chunks of the same size. */
    public Calibration first(int n) {
        if (n < 1) throw new IllegalArgumentException("need at least one sequence, got " + n);
        return n >= sequences.size() ? this : new Calibration(sequences.subList(0, n), chunkSize);
    }
}
