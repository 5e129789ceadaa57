package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;

/**
 * A linear map without bias, y = x · Wᵀ: x (n, inFeatures) → y (n, outFeatures). The model calls its q, k, v,
 * o, gate, up, down and classifier weights through this interface, so that LoRA, SparseLoRA or a quantized
 * weight can stand in for the dense matrix without the model knowing.
 */
public interface Projection {
    int inFeatures();

    int outFeatures();

    /** y = x · Wᵀ, a new (n, outFeatures) tensor. */
    Tensor forward(Tensor x);

    /** The plain dense projection over a weight stored (out, in), on the Vector API kernels. */
    static Projection dense(Tensor weight) {
        return dense(weight, Backend.cpu());
    }

    /** The dense projection over a read-only weight (out, in), its product on {@code backend}. */
    static Projection dense(Tensor weight, Backend backend) {
        return new Dense(weight, backend);
    }

    /**
     * y = x · Wᵀ with W (outFeatures, inFeatures), as every checkpoint format stores it. The weight must not change
     * while the backend lives (an accelerator keeps a copy of it).
     */
    record Dense(Tensor weight, Backend backend) implements Projection {
        public Dense {
            if (weight.rank() != 2) throw new IllegalArgumentException("a projection weight must be (out, in), got " + weight.shape());
        }

        @Override
        public int inFeatures() {
            return weight.cols();
        }

        @Override
        public int outFeatures() {
            return weight.rows();
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = Tensor.zeros(x.rows(), weight.rows());
            backend.abT(x, weight, y, false);
            return y;
        }
    }
}
