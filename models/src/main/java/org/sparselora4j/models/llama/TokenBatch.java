package org.sparselora4j.models.llama;

/**
 * A padded batch of {@code batchSize} rows of {@code seqLen} positions, flattened row-major (position
 * {@code b·seqLen + t}). Padding sits at the end of each row (right padding), so positions start at 0.
 *
 * @param tokens  input ids (padding positions hold 0)
 * @param targets the id each position must predict, or −1 where there is no loss (prompt, last token, padding)
 * @param lengths real (unpadded) length of each row
 */
public record TokenBatch(int batchSize, int seqLen, int[] tokens, int[] targets, int[] lengths) {
    public TokenBatch {
        if (batchSize < 1 || seqLen < 1) throw new IllegalArgumentException("empty batch " + batchSize + "x" + seqLen);
        if (tokens.length != batchSize * seqLen || targets.length != tokens.length || lengths.length != batchSize) {
            throw new IllegalArgumentException("batch arrays do not match " + batchSize + "x" + seqLen);
        }
        for (int b = 0; b < batchSize; b++) {
            if (lengths[b] < 1 || lengths[b] > seqLen) throw new IllegalArgumentException("row " + b + " length " + lengths[b] + " outside [1, " + seqLen + "]");
            for (int t = lengths[b]; t < seqLen; t++) {
                if (targets[b * seqLen + t] >= 0) throw new IllegalArgumentException("row " + b + " has a target on padding position " + t);
            }
        }
    }

    /** Rows of the flattened batch (batchSize · seqLen). */
    public int rows() {
        return batchSize * seqLen;
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

    /** The flattened indices of positions that carry a loss, in order. */
    public int[] labelRows() {
        int[] rows = new int[labelCount()];
        int n = 0;
        for (int i = 0; i < targets.length; i++) if (targets[i] >= 0) rows[n++] = i;
        return rows;
    }

    /** Whether each flattened position is a real token (not padding). */
    public boolean[] valid() {
        boolean[] v = new boolean[rows()];
        for (int b = 0; b < batchSize; b++) for (int t = 0; t < lengths[b]; t++) v[b * seqLen + t] = true;
        return v;
    }

    /** The position of each flattened row within its sequence. */
    public int[] positions() {
        int[] p = new int[rows()];
        for (int i = 0; i < p.length; i++) p[i] = i % seqLen;
        return p;
    }

    /** Throws unless every token and target id is inside the vocabulary. */
    public void checkVocabulary(int vocabSize) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) throw new IllegalArgumentException("token id " + tokens[i] + " at position " + i + " is outside the vocabulary of " + vocabSize);
            if (targets[i] >= vocabSize) throw new IllegalArgumentException("target id " + targets[i] + " at position " + i + " is outside the vocabulary of " + vocabSize);
        }
    }
}
