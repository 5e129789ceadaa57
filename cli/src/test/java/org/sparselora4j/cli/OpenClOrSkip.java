package org.sparselora4j.cli;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.opencl.Device;
import org.sparselora4j.opencl.DeviceSelector;
import org.sparselora4j.opencl.OpenCl;
import org.sparselora4j.opencl.OpenClBackend;
import org.sparselora4j.opencl.OpenClUnavailableException;

/** As the opencl module's tests do it: OpenCL on the preferred device, or a skipped test when this machine has no platform. */
final class OpenClOrSkip {
    private OpenClOrSkip() {
    }

    /** OpenCL, or a skipped test with the reason printed: no OpenCL platform is the only reason to skip. */
    static OpenCl openCl() {
        try {
            return OpenCl.load();
        } catch (OpenClUnavailableException e) {
            String reason = "OpenCL tests skipped: " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            throw e;
        }
    }

    /** A backend on the preferred device (a GPU, else PoCL on the CPU). */
    static OpenClBackend backend() {
        OpenCl cl = openCl();
        Device device = cl.select(DeviceSelector.preferred());
        System.out.println("OpenCL tests run on " + device);
        return new OpenClBackend(cl.open(device));
    }
}
