package org.sparselora4j.sparse;

import org.sparselora4j.tensor.Index;

import java.util.Arrays;

/**
 * The indices of the k largest scores, in O(n log k): a bounded min-heap of indices whose root is the weakest
 * kept score. Ties go to the lower index and NaN counts as smallest, so equal inputs give equal selections.
 */
public final class TopK {
    private TopK() {
    }

    /** The k indices of the largest {@code scores}, sorted ascending. */
    public static Index of(double[] scores, int k) {
        int n = scores.length;
        if (k < 0 || k > n) throw new IllegalArgumentException("cannot keep " + k + " of " + n + " channels");
        if (k == n) return Index.all(n);
        int[] heap = new int[k];
        for (int i = 0; i < k; i++) {
            heap[i] = i;
            siftUp(heap, i, scores);
        }
        for (int i = k; i < n; i++) {
            if (k > 0 && better(scores, i, heap[0])) {
                heap[0] = i;
                siftDown(heap, 0, k, scores);
            }
        }
        Arrays.sort(heap);
        return new Index(heap);
    }

    /** The k indices of the largest {@code scores} (float scores, widened exactly; same rule). */
    public static Index of(float[] scores, int k) {
        double[] d = new double[scores.length];
        for (int i = 0; i < d.length; i++) d[i] = scores[i];
        return of(d, k);
    }

    /** Whether channel a ranks above channel b: larger score, then lower index; NaN ranks last. */
    static boolean better(double[] s, int a, int b) {
        double x = Double.isNaN(s[a]) ? Double.NEGATIVE_INFINITY : s[a];
        double y = Double.isNaN(s[b]) ? Double.NEGATIVE_INFINITY : s[b];
        return x > y || (x == y && a < b);
    }

    // Min-heap on rank: the root is the channel that ranks lowest among those kept.
    private static void siftUp(int[] heap, int i, double[] s) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(s, heap[parent], heap[i])) return;
            swap(heap, parent, i);
            i = parent;
        }
    }

    private static void siftDown(int[] heap, int i, int size, double[] s) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) return;
            int worst = left;
            int right = left + 1;
            if (right < size && better(s, heap[left], heap[right])) worst = right;
            if (!better(s, heap[i], heap[worst])) return;
            swap(heap, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
