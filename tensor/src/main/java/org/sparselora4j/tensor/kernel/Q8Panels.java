package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Widening of {@link PackedMatrix}'s Q8_0 form: packed int8 quants times their block scales, x = d·q, into float
 * panels (kc x NR each, element (p, c) at {@code p·NR + c}). The quant of element (p, c) of the panel that starts
 * column j0 sits at {@code from + panel·kc·NR + p·NR + c}, its scale at {@code ((pc + p) / 32)·width + j0 + c}.
 */
final class Q8Panels {
    private static final VectorSpecies<Float> F = MicroKernel.F;
    private static final int V = MicroKernel.V;
    /** Bytes of one float vector's worth of quants (absent where a vector holds fewer than 8 lanes). */
    private static final VectorSpecies<Byte> B = V >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;

    private Q8Panels() {
    }

    /** {@code count} floats of whole panels of the block at k-step pc (kc steps), Vector API. */
    static void widen(byte[] quants, float[] scales, int width, int pc, int kc, int from, int jc, int count, float[] dst, int off) {
        if (B == null) {
            widenScalar(quants, scales, width, pc, kc, from, jc, count, dst, off);
            return;
        }
        final int nr = MicroKernel.NR;
        int panelFloats = kc * nr;
        for (int d = 0, j0 = jc; d < count; d += panelFloats, j0 += nr) {
            for (int p = 0; p < kc; p++) {
                int q = from + d + p * nr, s = (pc + p) / 32 * width + j0, o = off + d + p * nr;
                for (int c = 0; c < nr; c += V) {
                    FloatVector x = (FloatVector) ByteVector.fromArray(B, quants, q + c).convertShape(VectorOperators.B2F, F, 0);
                    x.mul(FloatVector.fromArray(F, scales, s + c)).intoArray(dst, o + c);
                }
            }
        }
    }

    /** The scalar twin of {@link #widen}: d·q element by element. */
    static void widenScalar(byte[] quants, float[] scales, int width, int pc, int kc, int from, int jc, int count, float[] dst, int off) {
        final int nr = MicroKernel.NR;
        int panelFloats = kc * nr;
        for (int d = 0, j0 = jc; d < count; d += panelFloats, j0 += nr) {
            for (int p = 0; p < kc; p++) {
                for (int c = 0; c < nr; c++) {
                    dst[off + d + p * nr + c] = scales[(pc + p) / 32 * width + j0 + c] * quants[from + d + p * nr + c];
                }
            }
        }
    }
}
