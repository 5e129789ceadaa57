package org.sparselora4j.lora.data;

/**
 * A padded batch of {@code batchSize} rows of {@code seqLen} positions, flattened row-major (position
 * {@code b·seqLen + t}). Padding sits at the end of each row (right padding), so positions start at 0.
 *
 * @param tokens   input ids (padding positions hold 0)
 * @param targets  the id each position must predict, or −1 where there is no loss (prompt, last token, padding)
 * @param lengths  real (unpadded) length of each row
 */
public record Batch(int batchSize, int seqLen, int[] tokens, int[] targets, int[] lengths) {
    public Batch {
        if (tokens.length != batchSize * seqLen || targets.length != tokens.length || lengths.length != batchSize) {
            throw new IllegalArgumentException("batch arrays do not match " + batchSize + "x" + seqLen);
        }
    }

    /** Positions that carry a loss. */
    public int labelCount() {
        int n = 0;
        for (int t : targets) if (t >= 0) n++;
        return n;
    }

    /** Real (non-padding) tokens. */
    public int tokenCount() {
        int n = 0;
        for (int l : lengths) n += l;
        return n;
    }

    /** Whether position t of row b is a real token. */
    public boolean valid(int b, int t) {
        return t < lengths[b];
    }

    /** Builds a batch from examples, padded to the longest. */
    public static Batch of(java.util.List<Example> examples) {
        int b = examples.size();
        int t = 0;
        for (Example e : examples) t = Math.max(t, e.length());
        int[] tokens = new int[b * t];
        int[] targets = new int[b * t];
        int[] lengths = new int[b];
        java.util.Arrays.fill(targets, -1);
        for (int r = 0; r < b; r++) {
            Example e = examples.get(r);
            lengths[r] = e.length();
            for (int p = 0; p < e.length(); p++) tokens[r * t + p] = e.token(p);
            // Position p predicts token p+1; labelled tokens are firstLabel.. so positions firstLabel-1 .. len-2.
            for (int p = e.firstLabel() - 1; p < e.length() - 1; p++) targets[r * t + p] = e.token(p + 1);
        }
        return new Batch(b, t, tokens, targets, lengths);
    }
}
