package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Elementwise arithmetic over tensors of equal size (any shapes; elements are matched in row-major order);
 * {@code out} may be one of the inputs. These are memory-bound: SIMD removes the per-element overhead, and
 * tensors of at least {@link #PARALLEL_MIN} elements are split over {@link Parallel#current()}.
 */
public final class Elementwise {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements one thread finishes before a second would start. */
    static final int PARALLEL_MIN = 1 << 16;
    private static final int GRAIN = 1 << 14; // a multiple of every vector length

    private Elementwise() {
    }

    /** out = value everywhere, split over the threads where it is large. */
    public static void fill(Tensor out, float value) {
        float[] od = out.data();
        int oo = out.offset();
        split(out.size(), (from, to) -> Arrays.fill(od, oo + from, oo + to, value));
    }

    /** out = src (same size), split over the threads where it is large. */
    public static void copy(Tensor src, Tensor out) {
        Checks.sameSize("copy", src, out);
        float[] sd = src.data(), od = out.data();
        int so = src.offset(), oo = out.offset();
        split(src.size(), (from, to) -> System.arraycopy(sd, so + from, od, oo + from, to - from));
    }

    /** out = a + b. */
    public static void add(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize("add", a, b);
        Checks.sameSize("add", a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        split(a.size(), (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector.fromArray(F, ad, ao + i).add(FloatVector.fromArray(F, bd, bo + i)).intoArray(od, oo + i);
            }
            for (; i < to; i++) od[oo + i] = ad[ao + i] + bd[bo + i];
        });
    }

    /** out = a ⊙ b. */
    public static void mul(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize("mul", a, b);
        Checks.sameSize("mul", a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        split(a.size(), (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector.fromArray(F, ad, ao + i).mul(FloatVector.fromArray(F, bd, bo + i)).intoArray(od, oo + i);
            }
            for (; i < to; i++) od[oo + i] = ad[ao + i] * bd[bo + i];
        });
    }

    /** out = s · x. */
    public static void scale(Tensor x, float s, Tensor out) {
        Checks.sameSize("scale", x, out);
        float[] xd = x.data(), od = out.data();
        int xo = x.offset(), oo = out.offset();
        split(x.size(), (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector.fromArray(F, xd, xo + i).mul(s).intoArray(od, oo + i);
            }
            for (; i < to; i++) od[oo + i] = s * xd[xo + i];
        });
    }

    /**
     * y += alpha · x. Multiply then add, as in the scalar twin, not an FMA, so both round the same way and the
     * results match bit for bit.
     */
    public static void axpy(float alpha, Tensor x, Tensor y) {
        Checks.sameSize("axpy", x, y);
        float[] xd = x.data(), yd = y.data();
        int xo = x.offset(), yo = y.offset();
        split(x.size(), (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector.fromArray(F, xd, xo + i).mul(alpha).add(FloatVector.fromArray(F, yd, yo + i)).intoArray(yd, yo + i);
            }
            for (; i < to; i++) yd[yo + i] += alpha * xd[xo + i];
        });
    }

    private static void split(int n, Parallel.Range body) {
        if (n < PARALLEL_MIN) {
            body.run(0, n);
        } else {
            Parallel.current().forRange(n, GRAIN, body);
        }
    }

    public static void addScalar(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize("add", a, b);
        Checks.sameSize("add", a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        for (int i = 0; i < a.size(); i++) od[out.offset() + i] = ad[a.offset() + i] + bd[b.offset() + i];
    }

    public static void mulScalar(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize("mul", a, b);
        Checks.sameSize("mul", a, out);
        float[] ad = a.data(), bd = b.data(), od = out.data();
        for (int i = 0; i < a.size(); i++) od[out.offset() + i] = ad[a.offset() + i] * bd[b.offset() + i];
    }

    public static void scaleScalar(Tensor x, float s, Tensor out) {
        Checks.sameSize("scale", x, out);
        float[] xd = x.data(), od = out.data();
        for (int i = 0; i < x.size(); i++) od[out.offset() + i] = s * xd[x.offset() + i];
    }

    public static void axpyScalar(float alpha, Tensor x, Tensor y) {
        Checks.sameSize("axpy", x, y);
        float[] xd = x.data(), yd = y.data();
        for (int i = 0; i < x.size(); i++) yd[y.offset() + i] += alpha * xd[x.offset() + i];
    }
}
