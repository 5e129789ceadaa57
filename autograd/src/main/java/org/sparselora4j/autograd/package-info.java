/**
 * Reverse-mode autograd: Var, the tape, differentiable ops with backward beside forward, AdamW and schedules, and the finite-difference GradCheck. Knows tensors, not models.
 */
package org.sparselora4j.autograd;
