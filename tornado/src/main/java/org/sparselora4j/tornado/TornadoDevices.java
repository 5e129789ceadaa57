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
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new TornadoUnavailableException("TornadoVM could not start (" + m + ")");
        }
        return devices;
    }
}
