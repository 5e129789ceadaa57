package org.sparselora4j.lora.run;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.TokenBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a fine-tuning method gives the training loop: the graph, the variables the optimizer updates, and hooks
 * around each step. Full fine-tuning, LoRA and SparseLoRA differ only here; the loop ({@link Trainer}) is one.
 */
public interface TrainingMethod {
    /** Short name for logs and JSON ("full", "lora", "sparselora"). */
    String name();

    /** The training graph. */
    LlamaModel model();

    /** What the optimizer updates, in a fixed order (checkpoints store them in this order). */
    List<Var> parameters();

    /** Called before the forward pass of optimizer step {@code step} (dropout streams, sparsity warm-up). */
    void beginStep(long step);

    /** Called before evaluation (dropout off). */
    void eval();

    /** Floating-point operations of one forward and backward pass over {@code batch} at {@code step}. */
    double flops(TokenBatch batch, long step);

    /** Facts for the run summary (trainable parameters, method settings). */
    Map<String, Object> describe();

    /** Writes the method's result (an adapter, a model) into the run folder. */
    void save(Path runDir) throws IOException;
}
