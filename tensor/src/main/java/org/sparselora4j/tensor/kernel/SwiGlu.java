package org.sparselora4j.tensor.kernel;

import org.sparselora4j.tensor.Tensor;

/** The SwiGLU gate: out = SiLU(gate) ⊙ up, SiLU(g) = g · σ(g); and its backward. */
public final class SwiGlu {
    private SwiGlu() {
    }

    public static void forward(Tensor gate, Tensor up, Tensor out) {
        forwardScalar(gate, up, out);
    }

    /** dgate = dy ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))); dup = dy ⊙ SiLU(g). Both overwritten. */
    public static void backward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        backwardScalar(gate, up, dy, dgate, dup);
    }

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
