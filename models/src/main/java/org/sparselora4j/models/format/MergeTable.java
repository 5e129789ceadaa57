package org.sparselora4j.models.format;

import java.util.Arrays;

/**
 * BPE merges as an open-addressing hash table from a pair of token ids to the merge's rank and the merged id:
 * one probe sequence over primitive arrays, no boxing, since the merge loop asks it for every adjacent pair.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;     // (left << 32 | right), or EMPTY
    private final int[] ranks;
    private final int[] merged;
    private final int mask;

    MergeTable(int capacityHint) {
        int capacity = Integer.highestOneBit(Math.max(4, capacityHint * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        merged = new int[capacity];
        mask = capacity - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    /** Adds the merge unless the pair already has one (the first, lowest rank wins, as in Hugging Face). */
    void putIfAbsent(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        for (int s = slot(k); ; s = (s + 1) & mask) {
            if (keys[s] == k) return;
            if (keys[s] == EMPTY) {
                keys[s] = k;
                ranks[s] = rank;
                merged[s] = mergedId;
                return;
            }
        }
    }

    /** The table slot of the pair, or -1 when the pair does not merge. */
    int find(int left, int right) {
        long k = key(left, right);
        for (int s = slot(k); ; s = (s + 1) & mask) {
            if (keys[s] == k) return s;
            if (keys[s] == EMPTY) return -1;
        }
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int merged(int slot) {
        return merged[slot];
    }
}
