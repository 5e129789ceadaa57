package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * The products of a LoRA branch with its rank-r factor f (r, c), r a few (8, 16), c a layer's width, each in one
 * pass over the wide operand read where it lies (no packing, no padding of r to a register tile):
 * <ul>
 * <li>{@link #project}: u(n, r) (+)= s · x(n, c) · fᵀ — the down-projection s·x·Aᵀ, and du = dy·B (f = Bᵀ);</li>
 * <li>{@link #expand}: y(n, c) += u(n, r) · f — the up-projection's term u·Bᵀ (f = Bᵀ), and dx += du·A;</li>
 * <li>{@link #gradient}: g(r, c) += u(n, r)ᵀ · x(n, c) — dA = duᵀ·x, and dBᵀ = uᵀ·dy.</li>
 * </ul>
 * All operands are row-major float32 matrices ({@link Tensor#rows()} x {@link Tensor#cols()}). {@link #project}
 * and {@link #expand} split rows over {@link Parallel#current()}, {@link #gradient} columns, so no two threads
 * write the same output. The {@code …Scalar} twins are the definitions the tests compare against.
 */
public final class LowRank {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int V = F.length();
    /** Multiply-adds per thread below which a product runs on the calling thread alone. */
    private static final long GRAIN = 1 << 16;
    /** Columns of g per pass over x in {@link #gradient} (8 rows of it: 8 KB, in L1); a multiple of any vector length. */
    private static final int COLUMN_BLOCK = 256;

    private LowRank() {
    }

    /** u(n, r) (+)= s · x(n, c) · f(r, c)ᵀ. */
    public static void project(Tensor x, Tensor f, float s, Tensor u, boolean accumulate) {
        int n = x.rows(), c = x.cols(), r = f.rows();
        check("project", x, f, c);
        Checks.output("project", u, n, r);
        float[] xd = x.data(), fd = f.data(), ud = u.data();
        int xo = x.offset(), fo = f.offset(), uo = u.offset();
        Parallel.current().forRange(n, rowGrain((long) c * r), (i0, i1) -> {
            int i = i0;
            for (; i + 4 <= i1; i += 4) projectRows4(xd, xo + i * c, c, fd, fo, r, s, ud, uo + i * r, accumulate);
            for (; i < i1; i++) projectRow(xd, xo + i * c, c, fd, fo, r, s, ud, uo + i * r, accumulate);
        });
    }

    /** y(n, c) += u(n, r) · f(r, c). */
    public static void expand(Tensor u, Tensor f, Tensor y) {
        int n = u.rows(), r = u.cols(), c = f.cols();
        if (f.rows() != r || u.isCompact() || f.isCompact()) {
            throw new IllegalArgumentException("expand: u " + u.shape() + " and factor " + f.shape() + " do not fit (float32, u's columns = factor's rows)");
        }
        Checks.output("expand", y, n, c);
        float[] ud = u.data(), fd = f.data(), yd = y.data();
        int uo = u.offset(), fo = f.offset(), yo = y.offset();
        Parallel.current().forRange(n, rowGrain((long) c * r), (i0, i1) -> {
            int i = i0;
            for (; i + 2 <= i1; i += 2) expandRows(ud, uo + i * r, r, fd, fo, c, yd, yo + i * c, 2);
            if (i < i1) expandRows(ud, uo + i * r, r, fd, fo, c, yd, yo + i * c, 1);
        });
    }

    /** g(r, c) += u(n, r)ᵀ · x(n, c). */
    public static void gradient(Tensor u, Tensor x, Tensor g) {
        int n = x.rows(), c = x.cols(), r = u.cols();
        if (u.rows() != n || u.isCompact() || x.isCompact()) {
            throw new IllegalArgumentException("gradient: u " + u.shape() + " and x " + x.shape() + " do not fit (float32, the same rows)");
        }
        Checks.output("gradient", g, r, c);
        float[] ud = u.data(), xd = x.data(), gd = g.data();
        int uo = u.offset(), xo = x.offset(), go = g.offset();
        long perColumn = (long) n * r;
        // Whole vectors per chunk: each column then takes the same path (vector or tail) whatever the split.
        int grain = (int) Math.max(V, Math.min(c, (GRAIN + perColumn - 1) / perColumn) / V * V);
        Parallel.current().forRange(c, grain, (j0, j1) -> {
            // Blocks of columns, so that the eight rows of g being summed into stay in L1 while every row of x passes.
            for (int b0 = j0; b0 < j1; b0 += COLUMN_BLOCK) {
                int b1 = Math.min(j1, b0 + COLUMN_BLOCK);
                int q = 0;
                for (; q + 8 <= r; q += 8) gradientRows8(ud, uo + q, r, xd, xo, c, n, gd, go + q * c, b0, b1);
                for (; q < r; q++) gradientRow(ud, uo + q, r, xd, xo, c, 0, n, gd, go + q * c, b0, b1);
            }
        });
    }

    /** f's transpose, (cols, rows), as a fresh tensor: B (out, r) → Bᵀ (r, out) for the kernels above. */
    public static Tensor transpose(Tensor f) {
        int m = f.rows(), k = f.cols();
        Tensor t = Tensor.zeros(k, m);
        float[] fd = f.data(), td = t.data();
        int fo = f.offset();
        for (int i = 0; i < m; i++) for (int j = 0; j < k; j++) td[j * m + i] = fd[fo + i * k + j];
        return t;
    }

    private static void check(String op, Tensor x, Tensor f, int c) {
        if (f.cols() != c || x.isCompact() || f.isCompact()) {
            throw new IllegalArgumentException(op + ": x " + x.shape() + " and factor " + f.shape() + " do not fit (float32, the same columns)");
        }
    }

    /** Rows per chunk so that a thread's share is worth a fork. */
    private static int rowGrain(long perRow) {
        return (int) Math.max(4, Math.min(Integer.MAX_VALUE, (GRAIN + perRow - 1) / Math.max(1, perRow)));
    }

    /** Four rows of u from four rows of x, four factor rows at a time: 16 dot products share each load. */
    private static void projectRows4(float[] xd, int xo, int c, float[] fd, int fo, int r, float s, float[] ud, int uo, boolean acc) {
        int cv = F.loopBound(c);
        int x0 = xo, x1 = xo + c, x2 = xo + 2 * c, x3 = xo + 3 * c;
        int q = 0;
        for (; q + 4 <= r; q += 4) {
            int f0 = fo + q * c, f1 = f0 + c, f2 = f1 + c, f3 = f2 + c;
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int p = 0; p < cv; p += V) {
                FloatVector v0 = FloatVector.fromArray(F, fd, f0 + p), v1 = FloatVector.fromArray(F, fd, f1 + p);
                FloatVector v2 = FloatVector.fromArray(F, fd, f2 + p), v3 = FloatVector.fromArray(F, fd, f3 + p);
                FloatVector w = FloatVector.fromArray(F, xd, x0 + p);
                a00 = w.fma(v0, a00); a01 = w.fma(v1, a01); a02 = w.fma(v2, a02); a03 = w.fma(v3, a03);
                w = FloatVector.fromArray(F, xd, x1 + p);
                a10 = w.fma(v0, a10); a11 = w.fma(v1, a11); a12 = w.fma(v2, a12); a13 = w.fma(v3, a13);
                w = FloatVector.fromArray(F, xd, x2 + p);
                a20 = w.fma(v0, a20); a21 = w.fma(v1, a21); a22 = w.fma(v2, a22); a23 = w.fma(v3, a23);
                w = FloatVector.fromArray(F, xd, x3 + p);
                a30 = w.fma(v0, a30); a31 = w.fma(v1, a31); a32 = w.fma(v2, a32); a33 = w.fma(v3, a33);
            }
            // Written out, not looped over an array: vectors put in an array would be boxed, in the loop above too.
            int u0 = uo + q, u1 = u0 + r, u2 = u1 + r, u3 = u2 + r;
            finish(a00, xd, x0, fd, f0, cv, c, s, ud, u0, acc); finish(a01, xd, x0, fd, f1, cv, c, s, ud, u0 + 1, acc);
            finish(a02, xd, x0, fd, f2, cv, c, s, ud, u0 + 2, acc); finish(a03, xd, x0, fd, f3, cv, c, s, ud, u0 + 3, acc);
            finish(a10, xd, x1, fd, f0, cv, c, s, ud, u1, acc); finish(a11, xd, x1, fd, f1, cv, c, s, ud, u1 + 1, acc);
            finish(a12, xd, x1, fd, f2, cv, c, s, ud, u1 + 2, acc); finish(a13, xd, x1, fd, f3, cv, c, s, ud, u1 + 3, acc);
            finish(a20, xd, x2, fd, f0, cv, c, s, ud, u2, acc); finish(a21, xd, x2, fd, f1, cv, c, s, ud, u2 + 1, acc);
            finish(a22, xd, x2, fd, f2, cv, c, s, ud, u2 + 2, acc); finish(a23, xd, x2, fd, f3, cv, c, s, ud, u2 + 3, acc);
            finish(a30, xd, x3, fd, f0, cv, c, s, ud, u3, acc); finish(a31, xd, x3, fd, f1, cv, c, s, ud, u3 + 1, acc);
            finish(a32, xd, x3, fd, f2, cv, c, s, ud, u3 + 2, acc); finish(a33, xd, x3, fd, f3, cv, c, s, ud, u3 + 3, acc);
        }
        for (; q < r; q++) {
            for (int i = 0; i < 4; i++) store(ud, uo + i * r + q, s * dot(xd, xo + i * c, fd, fo + q * c, c), acc);
        }
    }

    /** One row of u, four factor rows at a time. */
    private static void projectRow(float[] xd, int xo, int c, float[] fd, int fo, int r, float s, float[] ud, int uo, boolean acc) {
        int cv = F.loopBound(c);
        int q = 0;
        for (; q + 4 <= r; q += 4) {
            int f0 = fo + q * c, f1 = f0 + c, f2 = f1 + c, f3 = f2 + c;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int p = 0; p < cv; p += V) {
                FloatVector w = FloatVector.fromArray(F, xd, xo + p);
                a0 = w.fma(FloatVector.fromArray(F, fd, f0 + p), a0);
                a1 = w.fma(FloatVector.fromArray(F, fd, f1 + p), a1);
                a2 = w.fma(FloatVector.fromArray(F, fd, f2 + p), a2);
                a3 = w.fma(FloatVector.fromArray(F, fd, f3 + p), a3);
            }
            float t0 = a0.reduceLanes(VectorOperators.ADD), t1 = a1.reduceLanes(VectorOperators.ADD);
            float t2 = a2.reduceLanes(VectorOperators.ADD), t3 = a3.reduceLanes(VectorOperators.ADD);
            for (int p = cv; p < c; p++) {
                float w = xd[xo + p];
                t0 += w * fd[f0 + p];
                t1 += w * fd[f1 + p];
                t2 += w * fd[f2 + p];
                t3 += w * fd[f3 + p];
            }
            store(ud, uo + q, s * t0, acc);
            store(ud, uo + q + 1, s * t1, acc);
            store(ud, uo + q + 2, s * t2, acc);
            store(ud, uo + q + 3, s * t3, acc);
        }
        for (; q < r; q++) store(ud, uo + q, s * dot(xd, xo, fd, fo + q * c, c), acc);
    }

    /** u[at] (+)= s · (the lanes of sum + the scalar tail of x·f over [cv, c)). */
    private static void finish(FloatVector sum, float[] xd, int xo, float[] fd, int fo, int cv, int c, float s, float[] ud, int at, boolean acc) {
        float t = sum.reduceLanes(VectorOperators.ADD);
        for (int p = cv; p < c; p++) t += xd[xo + p] * fd[fo + p];
        store(ud, at, s * t, acc);
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int nv = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (int p = 0; p < nv; p += V) acc = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int p = nv; p < n; p++) sum += a[ao + p] * b[bo + p];
        return sum;
    }

    private static void store(float[] d, int at, float v, boolean acc) {
        d[at] = acc ? d[at] + v : v;
    }

    /**
     * {@code rows} (1 or 2) rows of y += u·f: eight factor rows at a time, their coefficients u(i, q) held in
     * registers while the rows of y stream past once per eight.
     */
    private static void expandRows(float[] ud, int uo, int r, float[] fd, int fo, int c, float[] yd, int yo, int rows) {
        int cv = F.loopBound(c);
        int q = 0;
        for (; q + 8 <= r; q += 8) {
            int f0 = fo + q * c;
            int u0 = uo + q, u1 = uo + r + q;
            FloatVector b00 = FloatVector.broadcast(F, ud[u0]), b01 = FloatVector.broadcast(F, ud[u0 + 1]);
            FloatVector b02 = FloatVector.broadcast(F, ud[u0 + 2]), b03 = FloatVector.broadcast(F, ud[u0 + 3]);
            FloatVector b04 = FloatVector.broadcast(F, ud[u0 + 4]), b05 = FloatVector.broadcast(F, ud[u0 + 5]);
            FloatVector b06 = FloatVector.broadcast(F, ud[u0 + 6]), b07 = FloatVector.broadcast(F, ud[u0 + 7]);
            if (rows == 2) {
                FloatVector b10 = FloatVector.broadcast(F, ud[u1]), b11 = FloatVector.broadcast(F, ud[u1 + 1]);
                FloatVector b12 = FloatVector.broadcast(F, ud[u1 + 2]), b13 = FloatVector.broadcast(F, ud[u1 + 3]);
                FloatVector b14 = FloatVector.broadcast(F, ud[u1 + 4]), b15 = FloatVector.broadcast(F, ud[u1 + 5]);
                FloatVector b16 = FloatVector.broadcast(F, ud[u1 + 6]), b17 = FloatVector.broadcast(F, ud[u1 + 7]);
                for (int p = 0; p < cv; p += V) {
                    FloatVector y0 = FloatVector.fromArray(F, yd, yo + p), y1 = FloatVector.fromArray(F, yd, yo + c + p);
                    FloatVector v = FloatVector.fromArray(F, fd, f0 + p);
                    y0 = v.fma(b00, y0); y1 = v.fma(b10, y1);
                    v = FloatVector.fromArray(F, fd, f0 + c + p);
                    y0 = v.fma(b01, y0); y1 = v.fma(b11, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 2 * c + p);
                    y0 = v.fma(b02, y0); y1 = v.fma(b12, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 3 * c + p);
                    y0 = v.fma(b03, y0); y1 = v.fma(b13, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 4 * c + p);
                    y0 = v.fma(b04, y0); y1 = v.fma(b14, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 5 * c + p);
                    y0 = v.fma(b05, y0); y1 = v.fma(b15, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 6 * c + p);
                    y0 = v.fma(b06, y0); y1 = v.fma(b16, y1);
                    v = FloatVector.fromArray(F, fd, f0 + 7 * c + p);
                    y0 = v.fma(b07, y0); y1 = v.fma(b17, y1);
                    y0.intoArray(yd, yo + p);
                    y1.intoArray(yd, yo + c + p);
                }
            } else {
                for (int p = 0; p < cv; p += V) {
                    FloatVector y0 = FloatVector.fromArray(F, yd, yo + p);
                    y0 = FloatVector.fromArray(F, fd, f0 + p).fma(b00, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + c + p).fma(b01, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 2 * c + p).fma(b02, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 3 * c + p).fma(b03, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 4 * c + p).fma(b04, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 5 * c + p).fma(b05, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 6 * c + p).fma(b06, y0);
                    y0 = FloatVector.fromArray(F, fd, f0 + 7 * c + p).fma(b07, y0);
                    y0.intoArray(yd, yo + p);
                }
            }
            for (int i = 0; i < rows; i++) {
                int yi = yo + i * c, ui = uo + i * r + q;
                for (int p = cv; p < c; p++) {
                    float t = yd[yi + p];
                    for (int e = 0; e < 8; e++) t += ud[ui + e] * fd[f0 + e * c + p];
                    yd[yi + p] = t;
                }
            }
        }
        for (; q < r; q++) {
            int fq = fo + q * c;
            for (int i = 0; i < rows; i++) {
                int yi = yo + i * c;
                float coef = ud[uo + i * r + q];
                FloatVector b = FloatVector.broadcast(F, coef);
                for (int p = 0; p < cv; p += V) {
                    FloatVector.fromArray(F, fd, fq + p).fma(b, FloatVector.fromArray(F, yd, yi + p)).intoArray(yd, yi + p);
                }
                for (int p = cv; p < c; p++) yd[yi + p] += coef * fd[fq + p];
            }
        }
    }

    /**
     * Rows q..q+7 of g over columns [j0, j1): x read row by row in order (two rows at a time, their sixteen
     * coefficients u(i, q..q+7) held in registers), each row of g read and written once per two rows of x.
     */
    private static void gradientRows8(float[] ud, int uo, int r, float[] xd, int xo, int c, int n, float[] gd, int go, int j0, int j1) {
        int jv = j0 + F.loopBound(j1 - j0);
        int g0 = go, g1 = go + c, g2 = go + 2 * c, g3 = go + 3 * c, g4 = go + 4 * c, g5 = go + 5 * c, g6 = go + 6 * c, g7 = go + 7 * c;
        int i = 0;
        for (; i + 2 <= n; i += 2) {
            int u0 = uo + i * r, u1 = u0 + r, x0 = xo + i * c, x1 = x0 + c;
            FloatVector b00 = FloatVector.broadcast(F, ud[u0]), b01 = FloatVector.broadcast(F, ud[u0 + 1]);
            FloatVector b02 = FloatVector.broadcast(F, ud[u0 + 2]), b03 = FloatVector.broadcast(F, ud[u0 + 3]);
            FloatVector b04 = FloatVector.broadcast(F, ud[u0 + 4]), b05 = FloatVector.broadcast(F, ud[u0 + 5]);
            FloatVector b06 = FloatVector.broadcast(F, ud[u0 + 6]), b07 = FloatVector.broadcast(F, ud[u0 + 7]);
            FloatVector b10 = FloatVector.broadcast(F, ud[u1]), b11 = FloatVector.broadcast(F, ud[u1 + 1]);
            FloatVector b12 = FloatVector.broadcast(F, ud[u1 + 2]), b13 = FloatVector.broadcast(F, ud[u1 + 3]);
            FloatVector b14 = FloatVector.broadcast(F, ud[u1 + 4]), b15 = FloatVector.broadcast(F, ud[u1 + 5]);
            FloatVector b16 = FloatVector.broadcast(F, ud[u1 + 6]), b17 = FloatVector.broadcast(F, ud[u1 + 7]);
            for (int j = j0; j < jv; j += V) {
                FloatVector w0 = FloatVector.fromArray(F, xd, x0 + j), w1 = FloatVector.fromArray(F, xd, x1 + j);
                w1.fma(b10, w0.fma(b00, FloatVector.fromArray(F, gd, g0 + j))).intoArray(gd, g0 + j);
                w1.fma(b11, w0.fma(b01, FloatVector.fromArray(F, gd, g1 + j))).intoArray(gd, g1 + j);
                w1.fma(b12, w0.fma(b02, FloatVector.fromArray(F, gd, g2 + j))).intoArray(gd, g2 + j);
                w1.fma(b13, w0.fma(b03, FloatVector.fromArray(F, gd, g3 + j))).intoArray(gd, g3 + j);
                w1.fma(b14, w0.fma(b04, FloatVector.fromArray(F, gd, g4 + j))).intoArray(gd, g4 + j);
                w1.fma(b15, w0.fma(b05, FloatVector.fromArray(F, gd, g5 + j))).intoArray(gd, g5 + j);
                w1.fma(b16, w0.fma(b06, FloatVector.fromArray(F, gd, g6 + j))).intoArray(gd, g6 + j);
                w1.fma(b17, w0.fma(b07, FloatVector.fromArray(F, gd, g7 + j))).intoArray(gd, g7 + j);
            }
            for (int j = jv; j < j1; j++) {
                for (int e = 0; e < 8; e++) gd[go + e * c + j] += ud[u0 + e] * xd[x0 + j] + ud[u1 + e] * xd[x1 + j];
            }
        }
        if (i < n) for (int e = 0; e < 8; e++) gradientRow(ud, uo + e, r, xd, xo, c, i, n, gd, go + e * c, j0, j1);
    }

    /** g row q (coefficients at ud[uo + i·r]) += Σ over rows [i0, i1) of x of u(i, q) · x(i, j) on columns [j0, j1). */
    private static void gradientRow(float[] ud, int uo, int r, float[] xd, int xo, int c, int i0, int i1, float[] gd, int go, int j0, int j1) {
        int jv = j0 + F.loopBound(j1 - j0);
        for (int i = i0; i < i1; i++) {
            float coef = ud[uo + i * r];
            FloatVector b = FloatVector.broadcast(F, coef);
            int xi = xo + i * c;
            for (int j = j0; j < jv; j += V) {
                FloatVector.fromArray(F, xd, xi + j).fma(b, FloatVector.fromArray(F, gd, go + j)).intoArray(gd, go + j);
            }
            for (int j = jv; j < j1; j++) gd[go + j] += coef * xd[xi + j];
        }
    }

    /** u(n, r) (+)= s · x(n, c) · f(r, c)ᵀ, by the definition. */
    public static void projectScalar(Tensor x, Tensor f, float s, Tensor u, boolean accumulate) {
        int n = x.rows(), c = x.cols(), r = f.rows();
        check("project", x, f, c);
        Checks.output("project", u, n, r);
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < r; q++) {
                float sum = 0f;
                for (int p = 0; p < c; p++) sum += x.data()[x.offset() + i * c + p] * f.data()[f.offset() + q * c + p];
                store(u.data(), u.offset() + i * r + q, s * sum, accumulate);
            }
        }
    }

    /** y(n, c) += u(n, r) · f(r, c), by the definition. */
    public static void expandScalar(Tensor u, Tensor f, Tensor y) {
        int n = u.rows(), r = u.cols(), c = f.cols();
        Checks.output("expand", y, n, c);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < c; p++) {
                float sum = 0f;
                for (int q = 0; q < r; q++) sum += u.data()[u.offset() + i * r + q] * f.data()[f.offset() + q * c + p];
                y.data()[y.offset() + i * c + p] += sum;
            }
        }
    }

    /** g(r, c) += u(n, r)ᵀ · x(n, c), by the definition. */
    public static void gradientScalar(Tensor u, Tensor x, Tensor g) {
        int n = x.rows(), c = x.cols(), r = u.cols();
        Checks.output("gradient", g, r, c);
        for (int q = 0; q < r; q++) {
            for (int p = 0; p < c; p++) {
                float sum = 0f;
                for (int i = 0; i < n; i++) sum += u.data()[u.offset() + i * r + q] * x.data()[x.offset() + i * c + p];
                g.data()[g.offset() + q * c + p] += sum;
            }
        }
    }
}
