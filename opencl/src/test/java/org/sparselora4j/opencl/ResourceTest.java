package org.sparselora4j.opencl;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Native resources: deterministic, idempotent release; clear messages for failed builds and misuse. */
class ResourceTest {
    @Test
    void bufferRoundTripsAndCloseIsIdempotent() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        try (ClContext context = cl.open(cl.select(DeviceSelector.preferred()))) {
            ClBuffer buffer = context.buffer(40);
            float[] values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
            buffer.write(values, 2, 8);
            float[] back = new float[10];
            buffer.read(back, 1, 8);
            assertThat(back).containsExactly(0, 3, 4, 5, 6, 7, 8, 9, 10, 0);
            buffer.close();
            buffer.close();
            assertThat(buffer.isClosed()).isTrue();
            assertThatThrownBy(() -> buffer.read(back, 0, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void closingTheContextReleasesItsOpenBuffers() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        ClContext context = cl.open(cl.select(DeviceSelector.preferred()));
        ClBuffer buffer = context.buffer(16);
        context.close();
        context.close();
        assertThat(buffer.isClosed()).isTrue();
        buffer.close();
        assertThatThrownBy(() -> context.buffer(4)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void transfersLargerThanTheBufferAreRejected() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        try (ClContext context = cl.open(cl.select(DeviceSelector.preferred())); ClBuffer buffer = context.buffer(8)) {
            assertThatThrownBy(() -> buffer.write(new float[3], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void brokenKernelSourceFailsWithTheBuildLog() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        try (ClContext context = cl.open(cl.select(DeviceSelector.preferred()))) {
            String broken = "__kernel void broken(__global float* x) { x[0] = undefined_name + 1; }";
            assertThatThrownBy(() -> context.build("broken.cl", broken, ""))
                    .isInstanceOf(OpenClException.class)
                    .hasMessageContaining("clBuildProgram: CL_BUILD_PROGRAM_FAILURE (-11)")
                    .hasMessageContaining("broken.cl")
                    .hasMessageContaining("undefined_name");
        }
    }

    @Test
    @SuppressWarnings("try") // closes inside try-with-resources on purpose: close must be idempotent
    void unknownKernelNameIsNamedInTheError() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        try (ClContext context = cl.open(cl.select(DeviceSelector.preferred()));
             ClProgram program = context.build("tiny.cl", "__kernel void tiny(__global float* x) { x[0] = 1.0f; }", "")) {
            assertThat(program.kernel("tiny").name()).isEqualTo("tiny");
            assertThatThrownBy(() -> program.kernel("missing"))
                    .isInstanceOf(OpenClException.class)
                    .hasMessageContaining("clCreateKernel: CL_INVALID_KERNEL_NAME")
                    .hasMessageContaining("missing");
            program.close();
        }
    }

    @Test
    void hugeAllocationFailsWithAnOpenClError() {
        OpenCl cl = OpenClFixture.openClOrSkip();
        try (ClContext context = cl.open(cl.select(DeviceSelector.preferred()))) {
            long tooBig = context.device().maxAllocBytes() + (1L << 20);
            assertThatThrownBy(() -> {
                try (ClBuffer b = context.buffer(tooBig)) {
                    b.write(new float[1], 0, 1);
                }
            }).isInstanceOf(OpenClException.class).hasMessageContaining("clCreateBuffer");
        }
    }

    @Test
    @SuppressWarnings("try") // closes inside try-with-resources on purpose: close must be idempotent
    void backendCachesWeightsByIdentityAndEvicts() {
        try (OpenClBackend backend = OpenClFixture.backendOrSkip()) {
            SplittableRandom random = new SplittableRandom(1);
            Tensor x = Tensor.randn(random, 1, 4, 8);
            Tensor w = Tensor.randn(random, 1, 6, 8);
            Tensor out = Tensor.zeros(4, 6);
            backend.abT(x, w, out, false);
            backend.abT(x, w.reshape(6, 8), out, false);
            assertThat(backend.cachedWeights()).isEqualTo(1);
            assertThat(backend.cachedBytes()).isEqualTo(6 * 8 * Float.BYTES);

            // A copy is another array: another entry. Two row ranges of one array: two entries.
            backend.abT(x, w.copy(), out, false);
            backend.abT(x, w.rows(0, 3), Tensor.zeros(4, 3), false);
            assertThat(backend.cachedWeights()).isEqualTo(3);

            // Mutating a cached weight without evicting is documented as stale; after evict the new values count.
            w.fill(1f);
            assertThat(backend.evict(w)).isTrue();
            assertThat(backend.evict(w)).isFalse();
            backend.abT(x, w, out, false);
            Tensor expected = Tensor.zeros(4, 6);
            MatMul.abTScalar(x, w, expected, false);
            OpenClFixture.assertClose(out, expected, 8, "abT after evict");

            backend.evictAll();
            assertThat(backend.cachedWeights()).isZero();
            assertThat(backend.cachedBytes()).isZero();
            backend.close();
            backend.close();
            assertThatThrownBy(() -> backend.abT(x, w, out, false)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }
}
