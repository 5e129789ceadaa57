package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.sparselora4j.tensor.Parallel;
import org.sparselora4j.tensor.Tensor;

/**
 * The SwiGLU gate: out = SiLU(gate) ⊙ up, SiLU(g) = g · σ(g), σ(g) = 1 / (1 + e^−g); and its backward.
 * The SIMD versions use {@link Exp} and split large tensors over {@link Parallel#current()}.
 */
public final class SwiGlu {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Below this many elements one thread finishes before a second would start. */
    private static final int PARALLEL_MIN = 1 << 14;
    private static final int GRAIN = 1 << 13; // a multiple of every vector length

    private SwiGlu() {
    }

    /** out = SiLU(gate) ⊙ up = gate · σ(gate) ⊙ up, elementwise over tensors of equal size. */
    public static void forward(Tensor gate, Tensor up, Tensor out) {
        Checks.sameSize("swiglu", gate, up);
        Checks.sameSize("swiglu", gate, out);
        float[] g = gate.data(), u = up.data(), o = out.data();
        int go = gate.offset(), uo = up.offset(), oo = out.offset();
        split(gate.size(), (from, to) -> {
            FloatVector one = FloatVector.broadcast(F, 1f);
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector x = FloatVector.fromArray(F, g, go + i);
                FloatVector sig = one.div(Exp.exp(x.neg()).add(one));
                x.mul(sig).mul(FloatVector.fromArray(F, u, uo + i)).intoArray(o, oo + i);
            }
            for (; i < to; i++) {
                float x = g[go + i];
                float sig = 1f / (1f + Exp.expScalar(-x));
                o[oo + i] = x * sig * u[uo + i];
            }
        });
    }

    /** dgate = dy ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))); dup = dy ⊙ SiLU(g). Both overwritten. */
    public static void backward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        Checks.sameSize("swiglu backward", gate, up);
        Checks.sameSize("swiglu backward", gate, dy);
        Checks.sameSize("swiglu backward", gate, dgate);
        Checks.sameSize("swiglu backward", gate, dup);
        float[] g = gate.data(), u = up.data(), d = dy.data(), dg = dgate.data(), du = dup.data();
        int go = gate.offset(), uo = up.offset(), doff = dy.offset(), dgo = dgate.offset(), duo = dup.offset();
        split(gate.size(), (from, to) -> {
            FloatVector one = FloatVector.broadcast(F, 1f);
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
                FloatVector x = FloatVector.fromArray(F, g, go + i);
                FloatVector sig = one.div(Exp.exp(x.neg()).add(one));
                FloatVector grad = FloatVector.fromArray(F, d, doff + i);
                FloatVector dsilu = sig.mul(x.mul(one.sub(sig)).add(one));   // σ(1 + g(1 − σ))
                grad.mul(FloatVector.fromArray(F, u, uo + i)).mul(dsilu).intoArray(dg, dgo + i);
                grad.mul(x).mul(sig).intoArray(du, duo + i);
            }
            for (; i < to; i++) {
                float x = g[go + i];
                float sig = 1f / (1f + Exp.expScalar(-x));
                float grad = d[doff + i];
                dg[dgo + i] = grad * u[uo + i] * (sig * (1f + x * (1f - sig)));
                du[duo + i] = grad * x * sig;
            }
        });
    }

    private static void split(int n, Parallel.Range body) {
        if (n < PARALLEL_MIN) {
            body.run(0, n);
        } else {
            Parallel.current().forRange(n, GRAIN, body);
        }
    }

    /** The definition of {@link #forward}, with {@link Math#exp}. */
    public static void forwardScalar(Tensor gate, Tensor up, Tensor out) {
        Checks.sameSize("swiglu", gate, up);
        Checks.sameSize("swiglu", gate, out);
        float[] g = gate.data(), u = up.data(), o = out.data();
        for (int i = 0; i < gate.size(); i++) {
            float x = g[gate.offset() + i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-x)));
            o[out.offset() + i] = x * sig * u[up.offset() + i];
        }
    }

    /** The definition of {@link #backward}, with {@link Math#exp}. */
    public static void backwardScalar(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        Checks.sameSize("swiglu backward", gate, up);
        Checks.sameSize("swiglu backward", gate, dy);
        Checks.sameSize("swiglu backward", gate, dgate);
        Checks.sameSize("swiglu backward", gate, dup);
        float[] g = gate.data(), u = up.data(), d = dy.data(), dg = dgate.data(), du = dup.data();
        for (int i = 0; i < gate.size(); i++) {
            float x = g[gate.offset() + i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-x)));
            float grad = d[dy.offset() + i];
            dg[dgate.offset() + i] = grad * u[up.offset() + i] * sig * (1f + x * (1f - sig));
            du[dup.offset() + i] = grad * x * sig;
        }
    }
}
