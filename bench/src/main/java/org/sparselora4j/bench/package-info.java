/**
 * JMH benchmarks: one class per kernel family, each with its scalar twin as the baseline.
 */
package org.sparselora4j.bench;
