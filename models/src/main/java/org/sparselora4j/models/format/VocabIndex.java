package org.sparselora4j.models.format;

import java.util.Arrays;

/**
 * Token text → id, as an open-addressing table of ids with their strings' hashes beside them: a lookup reads one
 * int pair and then the one candidate string, and a merge's result {@code left + right} is found without building
 * the concatenated string. Loading a vocabulary does about a million such lookups (three per merge).
 */
final class VocabIndex {
    private final String[] pieces;
    private final int[] ids;       // slot → id, or -1
    private final int[] hashes;    // slot → String.hashCode of the piece
    private final int mask;

    /** Indexes every non-null piece; a text that occurs twice keeps its first (lowest) id. */
    VocabIndex(String[] pieces) {
        this.pieces = pieces;
        int capacity = Integer.highestOneBit(Math.max(4, pieces.length * 2 - 1)) << 1;
        ids = new int[capacity];
        Arrays.fill(ids, -1);
        hashes = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < pieces.length; id++) {
            String p = pieces[id];
            if (p == null) continue;
            int h = p.hashCode();
            int s = slot(h);
            while (ids[s] >= 0 && !(hashes[s] == h && pieces[ids[s]].equals(p))) s = (s + 1) & mask;
            if (ids[s] < 0) {
                ids[s] = id;
                hashes[s] = h;
            }
        }
    }

    private int slot(int h) {
        return (h * 0x9E3779B9) >>> 7 & mask;
    }

    /** The id of {@code text}, or -1. */
    int id(String text) {
        int h = text.hashCode();
        for (int s = slot(h); ids[s] >= 0; s = (s + 1) & mask) {
            if (hashes[s] == h && pieces[ids[s]].equals(text)) return ids[s];
        }
        return -1;
    }

    /** The id of {@code left + right}, or -1, without building that string. */
    int idOfConcat(String left, String right) {
        int h = left.hashCode();
        for (int i = 0; i < right.length(); i++) h = 31 * h + right.charAt(i);   // String.hashCode continued
        int n = left.length() + right.length();
        for (int s = slot(h); ids[s] >= 0; s = (s + 1) & mask) {
            if (hashes[s] != h) continue;
            String p = pieces[ids[s]];
            if (p.length() == n && p.startsWith(left) && p.startsWith(right, left.length())) return ids[s];
        }
        return -1;
    }
}
