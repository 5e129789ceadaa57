/**
 * Reverse-mode autograd over {@code tensor}: {@link org.sparselora4j.autograd.Var} (value, lazily allocated
 * gradient, parents and backward closure), {@link org.sparselora4j.autograd.Tape} (iterative topological
 * backward, no-grad scopes), the differentiable ops with each backward beside its forward
 * ({@link org.sparselora4j.autograd.Ops}, {@link org.sparselora4j.autograd.LinearOps},
 * {@link org.sparselora4j.autograd.RowOps}, {@link org.sparselora4j.autograd.AttentionOps}), the optimizer
 * ({@link org.sparselora4j.autograd.AdamW}, {@link org.sparselora4j.autograd.GradClip},
 * {@link org.sparselora4j.autograd.Schedule}) and the finite-difference {@link org.sparselora4j.autograd.GradCheck}.
 *
 * <p>What must not live here: heavy math loops (those are kernels in {@code tensor.kernel}; ops call them),
 * anything that knows of models, layers, LoRA, sparsity plans or accelerators, and global switches (the one
 * scoped flag is {@link org.sparselora4j.autograd.Tape#noGrad}). Every op that is added gets a gradient check.
 */
package org.sparselora4j.autograd;
