package org.sparselora4j.sparse.losa;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

/**
 * Measured sparsity: exact zeros over elements of the seven projection matrices of the decoder blocks
 * (embeddings, norms and classifier are never pruned and not counted).
 *
 * @param perLayer zeros / elements of each block's seven matrices
 * @param overall  zeros / elements over all blocks
 * @param zeros    zero elements over all blocks
 * @param total    elements over all blocks
 */
public record Sparsity(double[] perLayer, double overall, long zeros, long total) {
    public static Sparsity of(LlamaWeights w) {
        int layers = w.layers().size();
        double[] per = new double[layers];
        long zeros = 0, total = 0;
        for (int l = 0; l < layers; l++) {
            LayerWeights lw = w.layers().get(l);
            long z = 0, n = 0;
            for (Target t : Target.values()) {
                Tensor m = t.weight(lw);
                z += zeros(m);
                n += m.size();
            }
            per[l] = (double) z / n;
            zeros += z;
            total += n;
        }
        return new Sparsity(per, (double) zeros / total, zeros, total);
    }

    /** Elements of {@code t} that are exactly zero (either sign). */
    public static long zeros(Tensor t) {
        float[] d = t.data();
        long z = 0;
        for (int i = t.offset(); i < t.offset() + t.size(); i++) if (d[i] == 0f) z++;
        return z;
    }

    /** Zeros / elements of one matrix. */
    public static double of(Tensor t) {
        return t.size() == 0 ? 0 : (double) zeros(t) / t.size();
    }
}
