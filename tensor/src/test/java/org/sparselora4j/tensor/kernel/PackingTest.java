package org.sparselora4j.tensor.kernel;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packs of {@link Packing} (B panels, with {@link PanelTranspose}'s Vector API transpose and the row-wise copy,
 * and A panels) against their definition element by element: B(p, j) at {@code p*NR + c} of panel j / NR, zero
 * past n; A(i, p) at {@code p*mr + r} of panel i / mr, zero past m.
 */
class PackingTest {
    private static final int NR = MicroKernel.NR;
    private static final int[] STEPS = {1, 7, MicroKernel.V, MicroKernel.V + 1, 37, 64, 770};
    private static final int[] WIDTHS = {1, NR - 1, NR, 2 * NR + 3, 5 * NR};

    /** Every way a B is read: abT (columns contiguous), rowsAbT (gathered columns), ab (rows contiguous), colsAb, colsAbT. */
    private static Operand[] operands(float[] data, int k, int n) {
        int[] cols = new int[n], rows = new int[k];
        for (int j = 0; j < n; j++) cols[j] = (j * 7 + 3) % n;
        for (int p = 0; p < k; p++) rows[p] = (p * 5 + 1) % k;
        return new Operand[] {
            Operand.transposed(data, 3, k + 2),
            Operand.transposed(data, 3, k + 2).withColIndex(cols),
            Operand.rowMajor(data, 5, n + 1),
            Operand.rowMajor(data, 5, n + 1).withColIndex(cols),
            Operand.transposed(data, 3, k + 2).withRowIndex(rows),
        };
    }

    @Test
    void bPanelsHoldEveryElementAndZerosPastTheEdge() {
        SplittableRandom random = new SplittableRandom(11);
        for (int kc : STEPS) {
            for (int nc : WIDTHS) {
                int k = kc + 4, n = nc + 3;
                float[] data = Tensor.randn(random, 1f, (k + 2) * (n + 2) + 8).data();
                for (Operand b : operands(data, k, n)) {
                    int panels = (nc + NR - 1) / NR;
                    float[] dst = new float[2 + panels * kc * NR];
                    java.util.Arrays.fill(dst, Float.NaN);
                    int written = Packing.packB(b, 2, kc, 1, nc, dst, 2);
                    assertThat(written).isEqualTo(panels * kc * NR);
                    for (int j = 0; j < panels * NR; j++) {
                        for (int p = 0; p < kc; p++) {
                            float expected = j < nc ? data[b.at(2 + p, 1 + j)] : 0f;
                            assertThat(dst[2 + j / NR * kc * NR + p * NR + j % NR]).as("kc %d nc %d (%d, %d) of %s", kc, nc, p, j, b)
                                    .isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aPanelsHoldEveryElementAndZerosPastTheEdge() {
        SplittableRandom random = new SplittableRandom(12);
        for (int mr : GemmPlan.TILE_ROWS) {
            for (int kc : STEPS) {
                for (int mc : new int[] {1, mr - 1, mr, 3 * mr + 2}) {
                    int k = kc + 3, m = mc + 2;
                    float[] data = Tensor.randn(random, 1f, (k + 2) * (m + 2) + 8).data();
                    // A of abT / ab (rows contiguous along k) and of aTb (aᵀ: columns contiguous).
                    // With room past the block (as the GEMM's scratch has) the last whole panel takes the vector transpose too.
                    for (int room : new int[] {0, MicroKernel.V})
                    for (Operand a : new Operand[] {Operand.rowMajor(data, 1, k + 1), Operand.transposed(data, 2, m + 1)}) {
                        int panels = (mc + mr - 1) / mr;
                        float[] dst = new float[panels * kc * mr + room];
                        java.util.Arrays.fill(dst, Float.NaN);
                        assertThat(Packing.packA(a, 1, mc, 2, kc, mr, dst)).isEqualTo(panels * kc * mr);
                        for (int i = 0; i < panels * mr; i++) {
                            for (int p = 0; p < kc; p++) {
                                float expected = i < mc ? data[a.at(1 + i, 2 + p)] : 0f;
                                assertThat(dst[i / mr * kc * mr + p * mr + i % mr]).as("mr %d kc %d mc %d room %d (%d, %d)", mr, kc, mc, room, i, p)
                                        .isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }
}
