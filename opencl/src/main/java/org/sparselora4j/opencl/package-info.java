/**
 * The OpenCL backend, called through the JDK foreign function API (no JNI, no dependency).
 * <ul>
 * <li>Bindings and errors: {@code ClApi} (package-private), {@link org.sparselora4j.opencl.OpenClException} (a
 * failed call, named with its CL error), {@link org.sparselora4j.opencl.OpenClUnavailableException} (no library,
 * platform or device: one line, never a crash).</li>
 * <li>Devices: {@link org.sparselora4j.opencl.OpenCl} lists them, {@link org.sparselora4j.opencl.DeviceSelector}
 * picks one (GPU, then accelerator, then CPU; or by type or index, also from {@code SPARSELORA4J_OPENCL_DEVICE}).</li>
 * <li>Wiring: {@link org.sparselora4j.opencl.ClContext} (context, queue, program cache),
 * {@link org.sparselora4j.opencl.ClBuffer}, {@link org.sparselora4j.opencl.ClProgram},
 * {@link org.sparselora4j.opencl.ClKernel}, {@link org.sparselora4j.opencl.DeviceMatMul}; all native objects are
 * released by {@code close()}, idempotently, never by finalizers.</li>
 * <li>Kernels: {@code .cl} resources beside this package ({@code matmul.cl}: one tiled kernel, built per
 * {@link org.sparselora4j.opencl.MatMulVariant} and {@link org.sparselora4j.opencl.MatMulTiling}).</li>
 * <li>{@link org.sparselora4j.opencl.OpenClBackend} implements {@code tensor}'s {@code Backend};
 * {@link org.sparselora4j.opencl.Backends} chooses cpu, opencl or auto; {@link org.sparselora4j.opencl.OpenClGemmTimer}
 * times one product for {@code bench gemm}.</li>
 * </ul>
 * Nothing here knows about models, LoRA or sparsity plans; kernels are never written as Java strings except in tests.
 */
package org.sparselora4j.opencl;
