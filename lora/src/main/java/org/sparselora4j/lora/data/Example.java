package org.sparselora4j.lora.data;

import java.util.Arrays;

/**
 * One training sequence: token ids, of which the tokens from {@code firstLabel} on carry a loss (they are
 * predicted from the tokens before them). A prompt/completion pair has {@code firstLabel} = the prompt's
 * length; a plain text has 1 (every token after BOS).
 */
public record Example(int[] tokens, int firstLabel) {
    public Example {
        if (tokens.length < 2) throw new IllegalArgumentException("an example needs at least two tokens, got " + tokens.length);
        if (firstLabel < 1 || firstLabel >= tokens.length) {
            throw new IllegalArgumentException("first labelled token " + firstLabel + " outside [1, " + tokens.length + ")");
        }
        tokens = tokens.clone();
    }

    public int length() {
        return tokens.length;
    }

    /** Number of tokens with a loss. */
    public int labelCount() {
        return tokens.length - firstLabel;
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    int token(int i) {
        return tokens[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Example e && e.firstLabel == firstLabel && Arrays.equals(e.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + firstLabel;
    }
}
