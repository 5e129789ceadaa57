package org.sparselora4j.tornado;

import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.ArrayList;
import java.util.List;

/** The devices TornadoVM finds, GPUs first. */
final class TornadoDevices {
    private TornadoDevices() {
    }

    /** The first GPU; else, unless {@code gpuOnly}, the first device. */
    static TornadoDevice pick(boolean gpuOnly) {
        List<TornadoDevice> all = all();
        for (TornadoDevice d : all) {
            if (d.getDeviceType() == TornadoDeviceType.GPU) return d;
        }
        if (all.isEmpty()) throw new TornadoUnavailableException("TornadoVM found no device (is an OpenCL driver or PoCL installed?)");
        if (gpuOnly) {
            throw new TornadoUnavailableException("TornadoVM found no GPU (only " + all.getFirst().getPhysicalDevice().getDeviceName() + ")");
        }
        return all.getFirst();
    }

    private static List<TornadoDevice> all() {
        List<TornadoDevice> devices = new ArrayList<>();
        try {
            for (TornadoBackend backend : TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends()) {
                for (int i = 0; i < backend.getNumDevices(); i++) devices.add(backend.getDevice(i));
            }
        } catch (RuntimeException | LinkageError e) {
            throw new TornadoUnavailableException("TornadoVM could not start (" + reason(e) + "; is an OpenCL driver or PoCL installed?)");
        }
        return devices;
    }

    /** The first message along the causes, on one line; else the innermost class name. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage().lines().findFirst().orElse("");
            if (t.getCause() == null) return t.getClass().getSimpleName();
            t = t.getCause();
        }
        return e.getClass().getSimpleName();
    }
}
