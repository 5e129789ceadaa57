/**
 * Running a fine-tuning method: the {@link org.sparselora4j.lora.run.TrainingMethod} seam (full fine-tuning,
 * LoRA; SparseLoRA in module sparse), the training loop, checkpoints, evaluation, the analytic FLOP count of a
 * step ({@link org.sparselora4j.lora.run.StepFlops}) and the step benchmark behind {@code bench step}
 * ({@link org.sparselora4j.lora.run.StepBenchmark}). No kernels and no model code live here.
 */
package org.sparselora4j.lora.run;
