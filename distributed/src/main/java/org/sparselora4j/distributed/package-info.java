/**
 * Data-parallel LoRA and SparseLoRA on Apache Spark: a barrier stage runs one replica per task, {@code allGather} once
 * as the rendezvous, then a ring all-reduce of gradients over plain sockets ({@link org.sparselora4j.distributed.Ring}).
 * Spark is a provided dependency; nothing else in the engine depends on this module (the cli reaches it by reflection).
 */
package org.sparselora4j.distributed;
