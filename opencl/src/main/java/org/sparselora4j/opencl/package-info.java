/**
 * The OpenCL backend, called through the JDK foreign function API: bindings, devices, buffers, kernels as .cl resources.
 */
package org.sparselora4j.opencl;
