package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Tensor;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing (recompute in backward): y = f(x) is computed without recording a graph, so none of
 * f's intermediate activations outlive the forward; its backward runs f again on x, recording, and back-propagates
 * dy through that fresh graph, one checkpointed segment (a decoder block) at a time. The trainable variables f
 * reads must be listed as {@code parameters} (they are leaves, so their gradients accumulate straight from the
 * inner pass). f must compute the same thing both times: no randomness drawn per call (dropout).
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /** f(x), its activations recomputed in backward. */
    public static Var apply(Var x, UnaryOperator<Var> f, List<Var> parameters) {
        if (!Tape.isRecording()) return f.apply(x);
        Tensor y = Tape.noGrad(() -> f.apply(x).value());
        Var[] parents = new Var[parameters.size() + 1];
        parents[0] = x;
        for (int i = 0; i < parameters.size(); i++) parents[i + 1] = parameters.get(i);
        return Var.op(y, dy -> {
            // x as a leaf of the inner graph: its gradient collects there and is handed on to x.
            Var input = x.requiresGrad() ? Var.parameter(x.value()) : Var.constant(x.value());
            Var out = f.apply(input);
            if (out.requiresGrad()) Tape.backward(out, dy, false);
            if (x.requiresGrad() && input.grad() != null) x.accumulate(input.grad());
        }, parents);
    }
}
