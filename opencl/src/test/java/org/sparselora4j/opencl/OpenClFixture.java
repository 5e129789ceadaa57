package org.sparselora4j.opencl;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared by the OpenCL tests: opening a device (or skipping, with the reason printed) and comparing results. */
final class OpenClFixture {
    private OpenClFixture() {
    }

    /** OpenCL, or a skipped test when this machine has no OpenCL platform: the only reason to skip. */
    static OpenCl openClOrSkip() {
        try {
            return OpenCl.load();
        } catch (OpenClUnavailableException e) {
            String reason = "OpenCL tests skipped: " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            throw e;
        }
    }

    /** A backend on the preferred device, or a skipped test when there is no OpenCL platform. */
    static OpenClBackend backendOrSkip() {
        OpenCl cl = openClOrSkip();
        Device device = cl.select(DeviceSelector.preferred());
        System.out.println("OpenCL tests run on " + device);
        return new OpenClBackend(cl.open(device));
    }

    static Tensor random(SplittableRandom random, int rows, int cols) {
        return Tensor.randn(random, 1, rows, cols);
    }

    /** A rows x cols view at a non-zero offset inside a larger array, to catch kernels that ignore offsets. */
    static Tensor offsetView(SplittableRandom random, int rows, int cols) {
        Tensor big = Tensor.randn(random, 1, rows + 3, cols);
        return big.rows(2, rows + 2);
    }

    /** Element-wise closeness with a tolerance that grows with the length of the dot products. */
    static void assertClose(Tensor actual, Tensor expected, int inner, String what) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double scale = 2e-5 * Math.sqrt(inner + 1.0);
        float[] a = actual.toArray();
        float[] e = expected.toArray();
        for (int i = 0; i < a.length; i++) {
            double tol = scale * (1 + Math.abs(e[i])) + 1e-6;
            if (!(Math.abs(a[i] - e[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " (row " + i / Math.max(1, actual.cols()) + ", col "
                        + i % Math.max(1, actual.cols()) + ") is " + a[i] + ", expected " + e[i] + " within " + tol);
            }
        }
    }
}
