package org.sparselora4j.lora.data;

import org.sparselora4j.models.llama.TokenBatch;

import java.util.Arrays;
import java.util.List;

/** Turns examples into a padded {@link TokenBatch}. */
public final class Batching {
    private Batching() {
    }

    /** Right-pads the examples to the longest; position p predicts token p+1 where that token carries a loss. */
    public static TokenBatch of(List<Example> examples) {
        int b = examples.size();
        int t = 0;
        for (Example e : examples) t = Math.max(t, e.length());
        int[] tokens = new int[b * t];
        int[] targets = new int[b * t];
        int[] lengths = new int[b];
        Arrays.fill(targets, -1);
        for (int r = 0; r < b; r++) {
            Example e = examples.get(r);
            lengths[r] = e.length();
            for (int p = 0; p < e.length(); p++) tokens[r * t + p] = e.token(p);
            // Position p predicts token p+1, so it gets a target where token p+1 is labelled.
            for (int p = 0; p < e.length() - 1; p++) if (e.isLabelled(p + 1)) targets[r * t + p] = e.token(p + 1);
        }
        return new TokenBatch(b, t, tokens, targets, lengths);
    }
}
