package org.sparselora4j.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The one device kernel: C(M,N) = A(M,K) · B(K,N) in 16x16 tiles staged in local memory, one output element per
 * work-item, with how A and B are stored (a {@link Layout}) read from {@code dims} at run time, so that one
 * compiled task graph per frozen weight serves all of its products. The layout only changes how a tile is
 * loaded (once per element per tile); the inner product over a tile is the same for every layout.
 * <p>{@code dims}: {@code [M, N, K, lda, ldb, aTrans, bTrans, aGatherIn, bGatherIn, bGatherOut]}, the flags 0 or 1.
 * A(i,p) = aTrans ? a[p·lda + i] : a[i·lda + (aGatherIn ? idx[p] : p)]; with p' = bGatherIn ? idx[p] : p and
 * j' = bGatherOut ? idx[j] : j, B(p,j) = bTrans ? b[j'·ldb + p'] : b[p'·ldb + j']. C is dense, row length N.
 * Work: a 2-D range of (⌈N/16⌉·16, ⌈M/16⌉·16) items in groups of 16x16; items past the edge load zeros and store
 * nothing, but take part in every barrier.
 */
final class MatMulKernel {
    static final int TILE = 16;
    static final int DIMS = 10;

    private MatMulKernel() {
    }

    static void matmul(KernelContext ctx, FloatArray a, FloatArray b, IntArray idx, FloatArray c, IntArray dims) {
        int m = dims.get(0);
        int n = dims.get(1);
        int k = dims.get(2);
        int lda = dims.get(3);
        int ldb = dims.get(4);
        int aTrans = dims.get(5);
        int bTrans = dims.get(6);
        int aGatherIn = dims.get(7);
        int bGatherIn = dims.get(8);
        int bGatherOut = dims.get(9);
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int j = ctx.groupIdx * TILE + lx; // column of C
        int i = ctx.groupIdy * TILE + ly; // row of C
        float[] aTile = ctx.allocateFloatLocalArray(TILE * TILE); // [row ly][p lx]
        float[] bTile = ctx.allocateFloatLocalArray(TILE * TILE); // [p ly][column lx]
        float sum = 0f;
        for (int t = 0; t < k; t += TILE) {
            int pa = t + lx;
            float av = 0f;
            if (i < m && pa < k) {
                if (aTrans == 1) {
                    av = a.get(pa * lda + i);
                } else if (aGatherIn == 1) {
                    av = a.get(i * lda + idx.get(pa));
                } else {
                    av = a.get(i * lda + pa);
                }
            }
            aTile[ly * TILE + lx] = av;
            int pb = t + ly;
            float bv = 0f;
            if (j < n && pb < k) {
                int p = pb;
                if (bGatherIn == 1) {
                    p = idx.get(pb);
                }
                int col = j;
                if (bGatherOut == 1) {
                    col = idx.get(j);
                }
                if (bTrans == 1) {
                    bv = b.get(col * ldb + p);
                } else {
                    bv = b.get(p * ldb + col);
                }
            }
            bTile[ly * TILE + lx] = bv;
            ctx.localBarrier();
            for (int q = 0; q < TILE; q++) {
                sum += aTile[ly * TILE + q] * bTile[q * TILE + lx];
            }
            ctx.localBarrier();
        }
        if (i < m && j < n) {
            c.set(i * n + j, sum);
        }
    }

    /** {@code dims} for one product. */
    static int[] dims(Layout layout, int m, int n, int k, int lda, int ldb) {
        return new int[] {m, n, k, lda, ldb, bit(layout.aTrans), bit(layout.bTrans), bit(layout.aGatherIn), bit(layout.bGatherIn),
                bit(layout.bGatherOut)};
    }

    private static int bit(boolean b) {
        return b ? 1 : 0;
    }
}
