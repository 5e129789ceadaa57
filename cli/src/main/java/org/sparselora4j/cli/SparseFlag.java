package org.sparselora4j.cli;

import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.sparse.losa.SparseInference;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The {@code --sparse auto|on|off} flag of {@code generate} and {@code logits}: pruned projections run as CSR
 * matmuls. auto: those with at least {@value SparseInference#DEFAULT_MIN_SPARSITY} zeros; on: every block
 * projection; off: none.
 */
final class SparseFlag {
    enum Mode { AUTO, ON, OFF }

    static final Args.Flag FLAG = Args.Flag.value("sparse",
            "auto | on | off: run pruned projections as compressed sparse matmuls (auto: those at least "
                    + (int) (SparseInference.DEFAULT_MIN_SPARSITY * 100) + "% zeros; default auto)");

    private SparseFlag() {
    }

    /**
     * The model for inference, with CSR projections (on the CPU) as the flag says and the dense ones on
     * {@code backend}; names the sparse ones on {@code err} when any are used.
     */
    static LlamaInference inference(Args args, LlamaWeights weights, org.sparselora4j.tensor.Backend backend, String command, PrintStream err) {
        double min = switch (args.choice("sparse", Mode.class, Mode.AUTO)) {
            case AUTO -> SparseInference.DEFAULT_MIN_SPARSITY;
            case ON -> 0.0;
            case OFF -> Double.POSITIVE_INFINITY;
        };
        int sparse = SparseInference.sparseProjections(weights, min);
        if (sparse == 0) return new LlamaInference(weights, backend);
        err.println(String.format(Locale.ROOT, "%s: %d of %d block projections run as sparse (CSR) matmuls", command, sparse, 7 * weights.config().layers()));
        return SparseInference.of(weights, min, backend);
    }
}
