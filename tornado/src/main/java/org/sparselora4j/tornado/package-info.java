/**
 * The TornadoVM backend: {@code tensor}'s {@code Backend} with every frozen-weight product as a TornadoVM task graph
 * (Java kernels compiled for the device by TornadoVM, run with TornadoVM's JVM flags).
 * <ul>
 * <li>{@link org.sparselora4j.tornado.Tornado}: whether TornadoVM runs in this JVM, and opening a backend; it alone
 * may be touched in a JVM without TornadoVM.</li>
 * <li>{@code MatMulKernel}: the one tiled {@code KernelContext} kernel, C = A · B with each operand's layout and
 * gathered index ({@code Layout}) read at run time; {@code ProductGraph}: one task graph over it, a frozen weight
 * kept on the device; {@link org.sparselora4j.tornado.TornadoBackend}: a graph per frozen weight.</li>
 * </ul>
 * Kernel classes must keep their debug information (Maven's default {@code -g}): without the local variable table
 * TornadoVM falls back to the plain Java method. Nothing here knows about models, LoRA or sparsity.
 */
package org.sparselora4j.tornado;
