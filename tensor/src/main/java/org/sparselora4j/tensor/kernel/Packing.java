package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.util.Arrays;

/**
 * Copies blocks of GEMM operands into the panel order the {@link MicroKernel} reads, gathering chosen rows or
 * columns on the way (an {@link Operand}'s indices), so that the kernel always streams contiguous memory.
 * <ul>
 * <li>A block (mc x kc) becomes ⌈mc/MR⌉ panels of MR rows (the plan's tile); in a panel, element (r, p) sits at {@code p*MR + r}
 * (one column of MR values per step of k).</li>
 * <li>B block (kc x nc) becomes ⌈nc/NR⌉ panels of NR columns; element (p, c) sits at {@code p*NR + c}.</li>
 * </ul>
 * Rows or columns past the edge of the matrix are packed as zeros, so the kernel computes only full tiles; the
 * extra results are dropped when the tile is written back. Packing is O(mk + kn) against the O(mkn) product.
 */
final class Packing {
    /** Steps of k per run of a transposing pack of B: one cache line of floats from each column. */
    private static final int TRANSPOSE = 16;

    private Packing() {
    }

    /** Packs A rows [i0, i0+mc) x k [p0, p0+kc) into {@code dst} from 0 as panels of {@code mr} rows; returns the floats written. */
    static int packA(Operand a, int i0, int mc, int p0, int kc, int mr, float[] dst) {
        if (a.colsContiguous()) return packColumnsA(a, i0, mc, p0, kc, mr, dst);
        int d = 0;
        // Whole panels of rows contiguous along k on the Vector API transpose where dst has room for its overhang.
        boolean transpose = a.colStride() == 1 && a.colIndex() == null && PanelTranspose.SUPPORTED && mr <= MicroKernel.V && kc >= MicroKernel.V;
        int[] base = transpose ? new int[MicroKernel.V] : null;
        for (int ir = 0; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            if (rows < mr) Arrays.fill(dst, d, d + kc * mr, 0f);
            if (transpose && rows == mr && d + kc * mr + MicroKernel.V - mr <= dst.length) {
                for (int r = 0; r < mr; r++) base[r] = a.offset() + a.row(i0 + ir + r) * a.rowStride() + p0;
                PanelTranspose.packRows(a.data(), base, kc, dst, d, mr);
            } else if (a.colStride() == 1 && a.colIndex() == null) {
                // A(i, p..) is contiguous (abT, ab): walk each row along k, write with stride MR.
                float[] src = a.data();
                for (int r = 0; r < rows; r++) {
                    int s = a.offset() + a.row(i0 + ir + r) * a.rowStride() + p0;
                    int o = d + r;
                    for (int p = 0; p < kc; p++) dst[o + p * mr] = src[s + p];
                }
            } else if (a.colStride() == 1) {
                // Gathered k along a row of x (colsAbT with full-width x): A(i, p) = x[i, idx[p]].
                float[] src = a.data();
                int[] kIndex = a.colIndex();
                for (int r = 0; r < rows; r++) {
                    int s = a.offset() + a.row(i0 + ir + r) * a.rowStride();
                    int o = d + r;
                    for (int p = 0; p < kc; p++) dst[o + p * mr] = src[s + kIndex[p0 + p]];
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    for (int p = 0; p < kc; p++) dst[d + p * mr + r] = a.data()[a.at(i0 + ir + r, p0 + p)];
                }
            }
            d += kc * mr;
        }
        return d;
    }

    /**
     * {@link #packA} where A(i.., p) is contiguous (aTb reads aᵀ): one stored row of the block (mc floats) per step
     * of k, read from start to end and dealt out MR floats to each panel (one masked vector load and store where MR
     * fits a vector; an arraycopy call per few floats costs more than the copy). Walking a panel's MR floats down all kc rows instead touches kc lines a row stride
     * apart for each panel, a stride that is often a multiple of 4 KiB, where the lines fall in one cache set.
     */
    private static int packColumnsA(Operand a, int i0, int mc, int p0, int kc, int mr, float[] dst) {
        int panels = (mc + mr - 1) / mr, full = mc / mr * mr, panelFloats = kc * mr;
        if (full < mc) Arrays.fill(dst, full / mr * panelFloats, panels * panelFloats, 0f);
        float[] src = a.data();
        boolean vector = mr <= MicroKernel.V;
        VectorMask<Float> mask = MicroKernel.F.indexInRange(0, Math.min(mr, MicroKernel.V));
        for (int p = 0; p < kc; p++) {
            int s = a.offset() + a.col(p0 + p) * a.colStride() + i0, o = p * mr;
            int ir = 0;
            if (vector) {
                // mr floats in one masked load and store (12 or 6 of 16 lanes).
                for (; ir < full; ir += mr, o += panelFloats) FloatVector.fromArray(MicroKernel.F, src, s + ir, mask).intoArray(dst, o, mask);
            } else {
                for (; ir < full; ir += mr, o += panelFloats) {
                    for (int r = 0; r < mr; r++) dst[o + r] = src[s + ir + r];
                }
            }
            for (int r = 0; r < mc - full; r++) dst[o + r] = src[s + ir + r];
        }
        return panels * panelFloats;
    }

    /** Packs B k [p0, p0+kc) x columns [j0, j0+nc) into {@code dst} from 0; returns the floats written. */
    static int packB(Operand b, int p0, int kc, int j0, int nc, float[] dst) {
        return packB(b, p0, kc, j0, nc, dst, 0);
    }

    /** Packs B k [p0, p0+kc) x columns [j0, j0+nc) into {@code dst} from {@code start}; returns the floats written. */
    static int packB(Operand b, int p0, int kc, int j0, int nc, float[] dst, int start) {
        if (b.compact()) return packCompactB(b, p0, kc, j0, nc, dst, start);
        final int nr = MicroKernel.NR;
        int d = start, jr = 0;
        if (b.colsContiguous() && PanelTranspose.SUPPORTED && nc >= nr && kc >= MicroKernel.V) {
            // abT, rowsAbT: whole panels transposed V x V on the Vector API; a ragged last panel below.
            jr = PanelTranspose.packColumns(b, p0, kc, j0, nc, dst, start);
            d += jr * kc;
        } else if (b.rowsContiguous() && nc >= nr) {
            // ab, aTb, rowsAb: each row of the block read once from start to end, NR floats (two vectors) to each
            // whole panel; walking a panel down all kc rows instead reads lines a row stride apart, often a
            // multiple of 4 KiB (one cache set), and comes back to the same lines for the next panel.
            jr = nc / nr * nr;
            float[] src = b.data();
            int v = MicroKernel.V;
            for (int p = 0; p < kc; p++) {
                int s = b.offset() + b.row(p0 + p) * b.rowStride() + j0, o = start + p * nr;
                for (int j = 0; j < jr; j += nr, o += kc * nr) {
                    FloatVector.fromArray(MicroKernel.F, src, s + j).intoArray(dst, o);
                    FloatVector.fromArray(MicroKernel.F, src, s + j + v).intoArray(dst, o + v);
                }
            }
            d += jr * kc;
        }
        for (; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            if (cols < nr) Arrays.fill(dst, d, d + kc * nr, 0f);
            float[] src = b.data();
            if (b.rowsContiguous()) {
                // B(p, j..) is contiguous (ab, aTb, rowsAb): one copy of NR floats per step of k.
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(src, b.offset() + b.row(p0 + p) * b.rowStride() + j0 + jr, dst, d + p * nr, cols);
                }
            } else if (b.colsContiguous()) {
                // B(p.., j) is contiguous (abT, rowsAbT: B is a stored row of w): walk each column along k, a
                // run of TRANSPOSE steps at a time, so the panel rows written (TRANSPOSE x NR floats) stay in L1
                // while all NR columns fill them.
                for (int q = 0; q < kc; q += TRANSPOSE) {
                    int qe = Math.min(kc, q + TRANSPOSE);
                    for (int c = 0; c < cols; c++) {
                        int s = b.offset() + b.col(j0 + jr + c) * b.colStride() + p0;
                        int o = d + c;
                        for (int p = q; p < qe; p++) dst[o + p * nr] = src[s + p];
                    }
                }
            } else if (b.rowIndex() != null && b.colStride() != 1) {
                // Gathered k along a stored row of w (colsAbT): B(p, j) = w[j, idx[p]].
                int[] kIndex = b.rowIndex();
                for (int c = 0; c < cols; c++) {
                    int s = b.offset() + b.col(j0 + jr + c) * b.colStride();
                    int o = d + c;
                    for (int p = 0; p < kc; p++) dst[o + p * nr] = src[s + kIndex[p0 + p] * b.rowStride()];
                }
            } else if (b.colStride() == 1) {
                // Gathered columns of a row-major B (colsAb): B(p, j) = w[p, idx[j]].
                int[] jIndex = b.colIndex();
                int jo = j0 + jr;
                for (int p = 0; p < kc; p++) {
                    int s = b.offset() + b.row(p0 + p) * b.rowStride();
                    int o = d + p * nr;
                    for (int c = 0; c < cols; c++) dst[o + c] = src[s + jIndex[jo + c]];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int o = d + p * nr;
                    for (int c = 0; c < cols; c++) dst[o + c] = src[b.at(p0 + p, j0 + jr + c)];
                }
            }
            d += kc * nr;
        }
        return d - start;
    }

    /** A run of decoded elements per thread (a block of columns or of k), grown on demand. */
    private static final ThreadLocal<float[]> DECODED = ThreadLocal.withInitial(() -> new float[2048]);

    /**
     * {@link #packB} of a compact B: the same panels, each element decoded on the way ({@link Dequant}). Runs of
     * stored elements are decoded a run at a time (a row of B across the block's columns, or a stored row of w
     * along k), then spread into the panels; gathered k or columns decode element by element, only those kept.
     */
    private static int packCompactB(Operand b, int p0, int kc, int j0, int nc, float[] dst, int start) {
        final int nr = MicroKernel.NR;
        int panels = (nc + nr - 1) / nr;
        if (nc % nr != 0) Arrays.fill(dst, start + (panels - 1) * kc * nr, start + panels * kc * nr, 0f);
        float[] run = DECODED.get();
        if (b.rowsContiguous()) {
            // B(p, j0..j0+nc) is a run of one stored row (ab, rowsAb): decode it once, copy NR floats per panel.
            if (run.length < nc) run = grow(nc);
            for (int p = 0; p < kc; p++) {
                Dequant.decode(b.type(), b.bytes(), b.at(p0 + p, j0), nc, run, 0);
                for (int jr = 0, d = start + p * nr; jr < nc; jr += nr, d += kc * nr) {
                    System.arraycopy(run, jr, dst, d, Math.min(nr, nc - jr));
                }
            }
        } else if (b.colsContiguous()) {
            // B(p0..p0+kc, j) is a run of stored row j of w (abT, rowsAbT): decode it, spread it with stride NR.
            if (run.length < kc) run = grow(kc);
            for (int jr = 0, d = start; jr < nc; jr += nr, d += kc * nr) {
                int cols = Math.min(nr, nc - jr);
                for (int c = 0; c < cols; c++) {
                    Dequant.decode(b.type(), b.bytes(), b.at(p0, j0 + jr + c), kc, run, 0);
                    for (int p = 0; p < kc; p++) dst[d + p * nr + c] = run[p];
                }
            }
        } else {
            for (int jr = 0, d = start; jr < nc; jr += nr, d += kc * nr) {
                int cols = Math.min(nr, nc - jr);
                for (int p = 0; p < kc; p++) {
                    for (int c = 0; c < cols; c++) dst[d + p * nr + c] = Dequant.decodeOne(b.type(), b.bytes(), b.at(p0 + p, j0 + jr + c));
                }
            }
        }
        return panels * kc * nr;
    }

    private static float[] grow(int size) {
        float[] run = new float[size];
        DECODED.set(run);
        return run;
    }
}
