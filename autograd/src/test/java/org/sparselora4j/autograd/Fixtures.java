package org.sparselora4j.autograd;

import java.util.SplittableRandom;
import org.sparselora4j.tensor.Tensor;

/** Small random inputs for gradient checks. */
final class Fixtures {
    private Fixtures() {
    }

    static Var param(SplittableRandom random, int... dims) {
        return Var.parameter(Tensor.uniform(random, 1f, dims));
    }

    static Var constant(SplittableRandom random, int... dims) {
        return Var.constant(Tensor.uniform(random, 1f, dims));
    }
}
