/**
 * SparseLoRA: SVD estimator, predictors, the sparsity plan, sparse attention and FFN paths, FLOP counting and diagnostics.
 */
package org.sparselora4j.sparse;
