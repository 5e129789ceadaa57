package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;

/**
 * The unpacked path for products where packing would cost as much as it saves: a few rows (decode, m = 1),
 * a few columns against a long k (a LoRA down-projection x · Aᵀ with rank 8), or little work in total.
 * C(m,n) (+)= A(m,k) · B(k,n) in one of two SIMD forms, chosen by which operand is contiguous:
 * <ul>
 * <li>dot: A(i, p..) and B(p.., j) contiguous along k (abT, rowsAbT): four dot products of length k at once;</li>
 * <li>axpy: B(p, j..) contiguous along n (ab, aTb, rowsAb): C(i, j..) = Σ_p A(i,p) · B(p, j..), V columns
 * at a time in registers;</li>
 * </ul>
 * and plain loops for anything else, which only tiny products reach ({@link #suits}).
 */
final class SmallMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int V = F.length();
    /** Below this many multiply-adds nothing is worth packing or splitting over threads. */
    private static final long TINY = 1 << 15;
    /** From this many multiply-adds the small path splits columns over threads. */
    private static final long SPLIT = 1 << 18;

    private SmallMatMul() {
    }

    /** True when this path, not the packed {@link Gemm}, should compute the product. */
    static boolean suits(Operand a, Operand b, int m, int k, int n) {
        long work = (long) m * k * n;
        if (work < TINY) return true;
        boolean dot = dotForm(a, b) && k >= V;
        boolean axpy = b.rowsContiguous() && n >= V;
        if (m < MicroKernel.MR_SMALL) return dot || axpy;
        return n < V && dot;
    }

    private static boolean dotForm(Operand a, Operand b) {
        return a.rowsContiguous() && b.colsContiguous();
    }

    static void multiply(Operand a, Operand b, int m, int k, int n, float[] c, int cOff, int ldc, boolean accumulate) {
        boolean dot = dotForm(a, b) && (k >= V || !b.rowsContiguous());
        boolean axpy = !dot && b.rowsContiguous();
        Parallel.Range body = (j0, j1) -> {
            if (dot) dot(a, b, m, k, j0, j1, c, cOff, ldc, accumulate);
            else if (axpy) axpy(a, b, m, k, j0, j1, c, cOff, ldc, accumulate);
            else plain(a, b, m, k, j0, j1, c, cOff, ldc, accumulate);
        };
        if ((long) m * k * n < SPLIT) body.run(0, n);
        else Parallel.current().forRange(n, dot ? 4 : 4 * V, body);
    }

    /** Columns [j0, j1) of C as dot products along k; four columns share each load of A. */
    private static void dot(Operand a, Operand b, int m, int k, int j0, int j1, float[] c, int cOff, int ldc, boolean acc) {
        float[] ad = a.data(), bd = b.data();
        int kv = F.loopBound(k);
        for (int i = 0; i < m; i++) {
            int ar = a.offset() + a.row(i) * a.rowStride();
            int co = cOff + i * ldc;
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                int b0 = b.offset() + b.col(j) * b.colStride(), b1 = b.offset() + b.col(j + 1) * b.colStride();
                int b2 = b.offset() + b.col(j + 2) * b.colStride(), b3 = b.offset() + b.col(j + 3) * b.colStride();
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0; p < kv; p += V) {
                    FloatVector x = FloatVector.fromArray(F, ad, ar + p);
                    s0 = x.fma(FloatVector.fromArray(F, bd, b0 + p), s0);
                    s1 = x.fma(FloatVector.fromArray(F, bd, b1 + p), s1);
                    s2 = x.fma(FloatVector.fromArray(F, bd, b2 + p), s2);
                    s3 = x.fma(FloatVector.fromArray(F, bd, b3 + p), s3);
                }
                float t0 = s0.reduceLanes(VectorOperators.ADD), t1 = s1.reduceLanes(VectorOperators.ADD);
                float t2 = s2.reduceLanes(VectorOperators.ADD), t3 = s3.reduceLanes(VectorOperators.ADD);
                for (int p = kv; p < k; p++) {
                    float x = ad[ar + p];
                    t0 += x * bd[b0 + p];
                    t1 += x * bd[b1 + p];
                    t2 += x * bd[b2 + p];
                    t3 += x * bd[b3 + p];
                }
                c[co + j] = acc ? c[co + j] + t0 : t0;
                c[co + j + 1] = acc ? c[co + j + 1] + t1 : t1;
                c[co + j + 2] = acc ? c[co + j + 2] + t2 : t2;
                c[co + j + 3] = acc ? c[co + j + 3] + t3 : t3;
            }
            for (; j < j1; j++) {
                int bo = b.offset() + b.col(j) * b.colStride();
                FloatVector s0 = FloatVector.zero(F);
                for (int p = 0; p < kv; p += V) {
                    s0 = FloatVector.fromArray(F, ad, ar + p).fma(FloatVector.fromArray(F, bd, bo + p), s0);
                }
                float t = s0.reduceLanes(VectorOperators.ADD);
                for (int p = kv; p < k; p++) t += ad[ar + p] * bd[bo + p];
                c[co + j] = acc ? c[co + j] + t : t;
            }
        }
    }

    /** Columns [j0, j1) of C as sums of rows of B scaled by A(i, p), V columns at a time in a register. */
    private static void axpy(Operand a, Operand b, int m, int k, int j0, int j1, float[] c, int cOff, int ldc, boolean acc) {
        float[] ad = a.data(), bd = b.data();
        int jv = j0 + F.loopBound(j1 - j0);
        for (int i = 0; i < m; i++) {
            int co = cOff + i * ldc;
            for (int j = j0; j < jv; j += V) {
                FloatVector s = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    float x = ad[a.at(i, p)];
                    s = FloatVector.broadcast(F, x).fma(FloatVector.fromArray(F, bd, b.offset() + b.row(p) * b.rowStride() + j), s);
                }
                if (acc) s = s.add(FloatVector.fromArray(F, c, co + j));
                s.intoArray(c, co + j);
            }
            for (int j = jv; j < j1; j++) {
                float t = 0f;
                for (int p = 0; p < k; p++) t += ad[a.at(i, p)] * bd[b.at(p, j)];
                c[co + j] = acc ? c[co + j] + t : t;
            }
        }
    }

    /** Columns [j0, j1) of C by the definition; only tiny products come here. */
    private static void plain(Operand a, Operand b, int m, int k, int j0, int j1, float[] c, int cOff, int ldc, boolean acc) {
        float[] ad = a.data(), bd = b.data();
        for (int i = 0; i < m; i++) {
            for (int j = j0; j < j1; j++) {
                float t = 0f;
                for (int p = 0; p < k; p++) t += ad[a.at(i, p)] * bd[b.at(p, j)];
                int o = cOff + i * ldc + j;
                c[o] = acc ? c[o] + t : t;
            }
        }
    }
}
