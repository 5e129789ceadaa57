package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/** Elementwise arithmetic over tensors of equal size; {@code out} may be one of the inputs. */
public final class Elementwise {
    private Elementwise() {
    }

    /** out = a + b. */
    public static void add(Tensor a, Tensor b, Tensor out) {
        addScalar(a, b, out);
    }

    /** out = a ⊙ b. */
    public static void mul(Tensor a, Tensor b, Tensor out) {
        mulScalar(a, b, out);
    }

    /** out = s · x. */
    public static void scale(Tensor x, float s, Tensor out) {
        scaleScalar(x, s, out);
    }

    /** y += alpha · x. */
    public static void axpy(float alpha, Tensor x, Tensor y) {
        axpyScalar(alpha, x, y);
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
