package org.sparselora4j.opencl;

import org.sparselora4j.tensor.Backend;

import java.util.function.Consumer;

/**
 * Chooses the {@link Backend} once, at start-up.
 * <ul>
 * <li>{@link BackendKind#CPU}: the Vector API kernels.</li>
 * <li>{@link BackendKind#OPENCL}: the device the selector picks; throws {@link OpenClUnavailableException} if none.</li>
 * <li>{@link BackendKind#AUTO}: OpenCL on a GPU or accelerator; otherwise the Vector API, and {@code notice}
 * gets one line saying why. An OpenCL CPU device (PoCL) is used by auto only when the selector names it,
 * because it would run on the same cores as the Vector API kernels.</li>
 * <li>{@link BackendKind#TORNADO}: not here (the {@code tornado} module; the command line tries it before auto's OpenCL).</li>
 * </ul>
 */
public final class Backends {
    private Backends() {
    }

    public static Backend choose(BackendKind kind, DeviceSelector selector, Consumer<String> notice) {
        return switch (kind) {
            case CPU -> Backend.cpu();
            case OPENCL -> OpenClBackend.open(selector);
            case AUTO -> auto(selector, notice);
            case TORNADO -> throw new IllegalArgumentException("the tornado backend is opened by the tornado module, not by Backends");
        };
    }

    /** {@link #choose(BackendKind, DeviceSelector, Consumer)} with the selector from {@value DeviceSelector#ENV}. */
    public static Backend choose(BackendKind kind, Consumer<String> notice) {
        return choose(kind, DeviceSelector.fromEnvironment(System.getenv()), notice);
    }

    private static Backend auto(DeviceSelector selector, Consumer<String> notice) {
        Device device;
        OpenCl cl;
        try {
            cl = OpenCl.load();
            device = cl.select(selector);
        } catch (OpenClUnavailableException e) {
            notice.accept("sparselora4j: " + e.getMessage() + "; running on the Vector API (cpu backend)");
            return Backend.cpu();
        }
        if (device.type() == DeviceType.CPU && !selector.explicit()) {
            notice.accept("sparselora4j: the only OpenCL device is a CPU (" + device.name() + "); running on the Vector API (cpu backend); set "
                    + DeviceSelector.ENV + "=cpu to use it anyway");
            return Backend.cpu();
        }
        try {
            return new OpenClBackend(cl.open(device));
        } catch (OpenClException e) {
            notice.accept("sparselora4j: OpenCL device " + device.name() + " failed to open (" + e.getMessage().lines().findFirst().orElse("")
                    + "); running on the Vector API (cpu backend)");
            return Backend.cpu();
        }
    }
}
