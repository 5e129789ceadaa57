package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposing pack of a B whose columns are contiguous along k (abT and rowsAbT: B(p, j) is element p of a
 * stored row of w) into {@link Packing}'s panels (element (p, c) at {@code p*NR + c}), V x V blocks at a time on
 * the Vector API: V loads of V steps of k, one from each of V columns, then log2(V) rounds of two-vector
 * rearranges (each swaps one bit of the row index with the same bit of the lane index) and V stores of whole
 * panel rows. Element by element the same pack costs 1.7-1.9 ns an element on Zen 4 (each stored float a
 * separate write NR floats from the last); this one 0.6. Written out for V = 8 (AVX2) and 16 (AVX-512);
 * other widths, ragged panels and the last k % V steps take the scalar loop of {@link Packing#packB}.
 */
final class PanelTranspose {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    private static final int V = MicroKernel.V, NR = MicroKernel.NR;
    /** Whether this width has a transpose here. */
    static final boolean SUPPORTED = V == 8 || V == 16;
    private static final VectorShuffle<Float>[] LO = shuffles(true), HI = shuffles(false);

    private PanelTranspose() {
    }

    /**
     * Round t (bit b = 2^t) of the transpose, on rows i (bit t clear) and i + b: the new row i takes lanes j with bit
     * t clear from row i and the others from row i + b, lane j - b ({@code LO}); the new row i + b takes lane j + b
     * of row i, or lane j of row i + b ({@code HI}). Lanes V.. of a shuffle select from the second vector.
     */
    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shuffles(boolean low) {
        int rounds = Integer.numberOfTrailingZeros(V);
        VectorShuffle<Float>[] out = new VectorShuffle[rounds];
        for (int t = 0; t < rounds; t++) {
            int b = 1 << t;
            int[] index = new int[V];
            for (int j = 0; j < V; j++) {
                boolean set = (j & b) != 0;
                index[j] = low ? (set ? V + j - b : j) : (set ? V + j : j + b);
            }
            out[t] = VectorShuffle.fromArray(F, index, 0);
        }
        return out;
    }

    /**
     * Packs the whole panels of B k [p0, p0+kc) x columns [j0, j0+nc) (B(p, j) at {@code b.data()[b.at(p, j)]},
     * contiguous along p) into {@code dst} from {@code start}, panel after panel, and returns the columns packed
     * (a multiple of NR); the caller packs the rest. Only where {@link #SUPPORTED}.
     */
    static int packColumns(Operand b, int p0, int kc, int j0, int nc, float[] dst, int start) {
        float[] src = b.data();
        int[] base = new int[V];
        int whole = nc / NR * NR, kv = kc / V * V;
        for (int jr = 0, d = start; jr < whole; jr += NR, d += kc * NR) {
            for (int h = 0; h < NR; h += V) {
                for (int c = 0; c < V; c++) base[c] = b.offset() + b.col(j0 + jr + h + c) * b.colStride() + p0;
                for (int q = 0; q < kv; q += V) {
                    if (V == 16) transpose16(src, base, q, dst, d + q * NR + h, NR);
                    else transpose8(src, base, q, dst, d + q * NR + h, NR);
                }
                for (int c = 0; c < V; c++) {
                    for (int p = kv; p < kc; p++) dst[d + p * NR + h + c] = src[base[c] + p];
                }
            }
        }
        return whole;
    }

    /**
     * One whole A panel of {@code mr} rows (mr <= V) contiguous along k (abT, ab: row r of the block from
     * {@code base[r]}) into {@code dst} from {@code d}, element (r, p) at {@code d + p*mr + r}: V steps of k at a
     * time, the mr rows and V - mr repeats of the last one transposed as B's columns are, each panel row stored as a
     * whole vector mr floats after the last, so each store's V - mr extra lanes land where the next store (or the
     * scalar tail, or the next panel) writes: {@code dst} must hold V - mr floats past the panel. Element by element
     * this pack ran at ~1.1 ns an element on Zen 4, which at n = 768 (each A element used by 12 panels of a thread) was
     * about 14% of a product.
     */
    static void packRows(float[] src, int[] base, int kc, float[] dst, int d, int mr) {
        for (int c = mr; c < V; c++) base[c] = base[mr - 1];
        int kv = kc / V * V;
        for (int q = 0; q < kv; q += V) {
            if (V == 16) transpose16(src, base, q, dst, d + q * mr, mr);
            else transpose8(src, base, q, dst, d + q * mr, mr);
        }
        for (int r = 0; r < mr; r++) {
            for (int p = kv; p < kc; p++) dst[d + p * mr + r] = src[base[r] + p];
        }
    }

    /** 16 columns (stored runs from {@code base[c] + q}) x 16 steps of k, transposed into 16 panel rows from {@code o}, {@code stride} apart. */
    private static void transpose16(float[] src, int[] base, int q, float[] dst, int o, int stride) {
        FloatVector r0 = FloatVector.fromArray(F, src, base[0] + q);
        FloatVector r1 = FloatVector.fromArray(F, src, base[1] + q);
        FloatVector r2 = FloatVector.fromArray(F, src, base[2] + q);
        FloatVector r3 = FloatVector.fromArray(F, src, base[3] + q);
        FloatVector r4 = FloatVector.fromArray(F, src, base[4] + q);
        FloatVector r5 = FloatVector.fromArray(F, src, base[5] + q);
        FloatVector r6 = FloatVector.fromArray(F, src, base[6] + q);
        FloatVector r7 = FloatVector.fromArray(F, src, base[7] + q);
        FloatVector r8 = FloatVector.fromArray(F, src, base[8] + q);
        FloatVector r9 = FloatVector.fromArray(F, src, base[9] + q);
        FloatVector r10 = FloatVector.fromArray(F, src, base[10] + q);
        FloatVector r11 = FloatVector.fromArray(F, src, base[11] + q);
        FloatVector r12 = FloatVector.fromArray(F, src, base[12] + q);
        FloatVector r13 = FloatVector.fromArray(F, src, base[13] + q);
        FloatVector r14 = FloatVector.fromArray(F, src, base[14] + q);
        FloatVector r15 = FloatVector.fromArray(F, src, base[15] + q);
        FloatVector s0x0 = r0.rearrange(LO[0], r1), s0x1 = r0.rearrange(HI[0], r1);
        FloatVector s0x2 = r2.rearrange(LO[0], r3), s0x3 = r2.rearrange(HI[0], r3);
        FloatVector s0x4 = r4.rearrange(LO[0], r5), s0x5 = r4.rearrange(HI[0], r5);
        FloatVector s0x6 = r6.rearrange(LO[0], r7), s0x7 = r6.rearrange(HI[0], r7);
        FloatVector s0x8 = r8.rearrange(LO[0], r9), s0x9 = r8.rearrange(HI[0], r9);
        FloatVector s0x10 = r10.rearrange(LO[0], r11), s0x11 = r10.rearrange(HI[0], r11);
        FloatVector s0x12 = r12.rearrange(LO[0], r13), s0x13 = r12.rearrange(HI[0], r13);
        FloatVector s0x14 = r14.rearrange(LO[0], r15), s0x15 = r14.rearrange(HI[0], r15);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x2), s1x2 = s0x0.rearrange(HI[1], s0x2);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x3), s1x3 = s0x1.rearrange(HI[1], s0x3);
        FloatVector s1x4 = s0x4.rearrange(LO[1], s0x6), s1x6 = s0x4.rearrange(HI[1], s0x6);
        FloatVector s1x5 = s0x5.rearrange(LO[1], s0x7), s1x7 = s0x5.rearrange(HI[1], s0x7);
        FloatVector s1x8 = s0x8.rearrange(LO[1], s0x10), s1x10 = s0x8.rearrange(HI[1], s0x10);
        FloatVector s1x9 = s0x9.rearrange(LO[1], s0x11), s1x11 = s0x9.rearrange(HI[1], s0x11);
        FloatVector s1x12 = s0x12.rearrange(LO[1], s0x14), s1x14 = s0x12.rearrange(HI[1], s0x14);
        FloatVector s1x13 = s0x13.rearrange(LO[1], s0x15), s1x15 = s0x13.rearrange(HI[1], s0x15);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x4), s2x4 = s1x0.rearrange(HI[2], s1x4);
        FloatVector s2x1 = s1x1.rearrange(LO[2], s1x5), s2x5 = s1x1.rearrange(HI[2], s1x5);
        FloatVector s2x2 = s1x2.rearrange(LO[2], s1x6), s2x6 = s1x2.rearrange(HI[2], s1x6);
        FloatVector s2x3 = s1x3.rearrange(LO[2], s1x7), s2x7 = s1x3.rearrange(HI[2], s1x7);
        FloatVector s2x8 = s1x8.rearrange(LO[2], s1x12), s2x12 = s1x8.rearrange(HI[2], s1x12);
        FloatVector s2x9 = s1x9.rearrange(LO[2], s1x13), s2x13 = s1x9.rearrange(HI[2], s1x13);
        FloatVector s2x10 = s1x10.rearrange(LO[2], s1x14), s2x14 = s1x10.rearrange(HI[2], s1x14);
        FloatVector s2x11 = s1x11.rearrange(LO[2], s1x15), s2x15 = s1x11.rearrange(HI[2], s1x15);
        FloatVector s3x0 = s2x0.rearrange(LO[3], s2x8), s3x8 = s2x0.rearrange(HI[3], s2x8);
        FloatVector s3x1 = s2x1.rearrange(LO[3], s2x9), s3x9 = s2x1.rearrange(HI[3], s2x9);
        FloatVector s3x2 = s2x2.rearrange(LO[3], s2x10), s3x10 = s2x2.rearrange(HI[3], s2x10);
        FloatVector s3x3 = s2x3.rearrange(LO[3], s2x11), s3x11 = s2x3.rearrange(HI[3], s2x11);
        FloatVector s3x4 = s2x4.rearrange(LO[3], s2x12), s3x12 = s2x4.rearrange(HI[3], s2x12);
        FloatVector s3x5 = s2x5.rearrange(LO[3], s2x13), s3x13 = s2x5.rearrange(HI[3], s2x13);
        FloatVector s3x6 = s2x6.rearrange(LO[3], s2x14), s3x14 = s2x6.rearrange(HI[3], s2x14);
        FloatVector s3x7 = s2x7.rearrange(LO[3], s2x15), s3x15 = s2x7.rearrange(HI[3], s2x15);
        s3x0.intoArray(dst, o + 0 * stride);
        s3x1.intoArray(dst, o + 1 * stride);
        s3x2.intoArray(dst, o + 2 * stride);
        s3x3.intoArray(dst, o + 3 * stride);
        s3x4.intoArray(dst, o + 4 * stride);
        s3x5.intoArray(dst, o + 5 * stride);
        s3x6.intoArray(dst, o + 6 * stride);
        s3x7.intoArray(dst, o + 7 * stride);
        s3x8.intoArray(dst, o + 8 * stride);
        s3x9.intoArray(dst, o + 9 * stride);
        s3x10.intoArray(dst, o + 10 * stride);
        s3x11.intoArray(dst, o + 11 * stride);
        s3x12.intoArray(dst, o + 12 * stride);
        s3x13.intoArray(dst, o + 13 * stride);
        s3x14.intoArray(dst, o + 14 * stride);
        s3x15.intoArray(dst, o + 15 * stride);
    }

    /** 8 columns (stored runs from {@code base[c] + q}) x 8 steps of k, transposed into 8 panel rows from {@code o}, {@code stride} apart. */
    private static void transpose8(float[] src, int[] base, int q, float[] dst, int o, int stride) {
        FloatVector r0 = FloatVector.fromArray(F, src, base[0] + q);
        FloatVector r1 = FloatVector.fromArray(F, src, base[1] + q);
        FloatVector r2 = FloatVector.fromArray(F, src, base[2] + q);
        FloatVector r3 = FloatVector.fromArray(F, src, base[3] + q);
        FloatVector r4 = FloatVector.fromArray(F, src, base[4] + q);
        FloatVector r5 = FloatVector.fromArray(F, src, base[5] + q);
        FloatVector r6 = FloatVector.fromArray(F, src, base[6] + q);
        FloatVector r7 = FloatVector.fromArray(F, src, base[7] + q);
        FloatVector s0x0 = r0.rearrange(LO[0], r1), s0x1 = r0.rearrange(HI[0], r1);
        FloatVector s0x2 = r2.rearrange(LO[0], r3), s0x3 = r2.rearrange(HI[0], r3);
        FloatVector s0x4 = r4.rearrange(LO[0], r5), s0x5 = r4.rearrange(HI[0], r5);
        FloatVector s0x6 = r6.rearrange(LO[0], r7), s0x7 = r6.rearrange(HI[0], r7);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x2), s1x2 = s0x0.rearrange(HI[1], s0x2);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x3), s1x3 = s0x1.rearrange(HI[1], s0x3);
        FloatVector s1x4 = s0x4.rearrange(LO[1], s0x6), s1x6 = s0x4.rearrange(HI[1], s0x6);
        FloatVector s1x5 = s0x5.rearrange(LO[1], s0x7), s1x7 = s0x5.rearrange(HI[1], s0x7);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x4), s2x4 = s1x0.rearrange(HI[2], s1x4);
        FloatVector s2x1 = s1x1.rearrange(LO[2], s1x5), s2x5 = s1x1.rearrange(HI[2], s1x5);
        FloatVector s2x2 = s1x2.rearrange(LO[2], s1x6), s2x6 = s1x2.rearrange(HI[2], s1x6);
        FloatVector s2x3 = s1x3.rearrange(LO[2], s1x7), s2x7 = s1x3.rearrange(HI[2], s1x7);
        s2x0.intoArray(dst, o + 0 * stride);
        s2x1.intoArray(dst, o + 1 * stride);
        s2x2.intoArray(dst, o + 2 * stride);
        s2x3.intoArray(dst, o + 3 * stride);
        s2x4.intoArray(dst, o + 4 * stride);
        s2x5.intoArray(dst, o + 5 * stride);
        s2x6.intoArray(dst, o + 6 * stride);
        s2x7.intoArray(dst, o + 7 * stride);
    }
}
