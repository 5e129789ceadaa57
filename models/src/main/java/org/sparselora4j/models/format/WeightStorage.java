package org.sparselora4j.models.format;

/**
 * How a loader hands out a model's matrices: {@link #FLOAT32} decodes every one into a float array on the heap
 * (what full fine-tuning, LoSA and merging change in place); {@link #AS_STORED} leaves the file mapped and uses
 * each matrix from there in the file's own type (BF16, F16, Q8_0, Q4_0, Q4_K, Q6_K), float32 ones copied to the
 * heap as before. Norms are always float32 on the heap. A llama2.c file is float32 either way.
 */
public enum WeightStorage { FLOAT32, AS_STORED }
