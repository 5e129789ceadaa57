package org.sparselora4j.lora.data;

import java.util.Arrays;

/**
 * One training sequence: token ids, and which of them carry a loss (they are predicted from the tokens before
 * them). A prompt/completion pair labels the completion (from {@code firstLabel} on); a plain text labels every
 * token after BOS; a chat labels each assistant turn, so its labels may come in several runs.
 */
public record Example(int[] tokens, boolean[] labelled) {
    public Example {
        if (tokens.length < 2) throw new IllegalArgumentException("an example needs at least two tokens, got " + tokens.length);
        if (labelled.length != tokens.length) {
            throw new IllegalArgumentException(labelled.length + " label flags for " + tokens.length + " tokens");
        }
        if (labelled[0]) throw new IllegalArgumentException("the first token cannot carry a loss: nothing predicts it");
        int count = 0;
        for (boolean l : labelled) if (l) count++;
        if (count == 0) throw new IllegalArgumentException("an example needs at least one labelled token");
        tokens = tokens.clone();
        labelled = labelled.clone();
    }

    /** The tokens from {@code firstLabel} on carry the loss. */
    public Example(int[] tokens, int firstLabel) {
        this(tokens, from(tokens.length, firstLabel));
    }

    private static boolean[] from(int length, int firstLabel) {
        if (firstLabel < 1 || firstLabel >= length) {
            throw new IllegalArgumentException("first labelled token " + firstLabel + " outside [1, " + length + ")");
        }
        boolean[] l = new boolean[length];
        Arrays.fill(l, firstLabel, length, true);
        return l;
    }

    public int length() {
        return tokens.length;
    }

    /** Index of the first token with a loss. */
    public int firstLabel() {
        int i = 0;
        while (!labelled[i]) i++;
        return i;
    }

    /** Number of tokens with a loss. */
    public int labelCount() {
        int n = 0;
        for (boolean l : labelled) if (l) n++;
        return n;
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean[] labelled() {
        return labelled.clone();
    }

    int token(int i) {
        return tokens[i];
    }

    boolean isLabelled(int i) {
        return labelled[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Example e && Arrays.equals(e.labelled, labelled) && Arrays.equals(e.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(labelled);
    }

    @Override
    public String toString() {
        return "Example[" + tokens.length + " tokens, " + labelCount() + " labelled]";
    }
}
