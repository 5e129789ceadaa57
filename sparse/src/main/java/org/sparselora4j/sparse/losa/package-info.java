/**
 * LoSA: pruning, masked LoRA, layer rates from CKA, rank allocation, the round schedule and sparse inference matmul.
 */
package org.sparselora4j.sparse.losa;
