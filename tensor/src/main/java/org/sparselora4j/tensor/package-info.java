/**
 * Data types with no math: {@link org.sparselora4j.tensor.Tensor} (float32, row-major, views),
 * {@link org.sparselora4j.tensor.Shape}, {@link org.sparselora4j.tensor.Index} (sorted channel sets),
 * {@link org.sparselora4j.tensor.Parallel} (the one helper that spreads work over cores) and the
 * {@link org.sparselora4j.tensor.Backend} interface an accelerator implements. Kernels live in
 * {@code org.sparselora4j.tensor.kernel}. This module depends on the JDK alone.
 */
package org.sparselora4j.tensor;
