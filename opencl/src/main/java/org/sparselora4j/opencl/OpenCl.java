package org.sparselora4j.opencl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL library of this machine and the devices it offers. {@link #load()} never crashes the JVM: a missing
 * library or an empty platform list is an {@link OpenClUnavailableException} with a one-line reason.
 */
public final class OpenCl {
    private final ClApi api;
    private final List<Device> devices;

    private OpenCl(ClApi api, List<Device> devices) {
        this.api = api;
        this.devices = devices;
    }

    /** Loads the library and lists every device of every platform. */
    public static OpenCl load() {
        ClApi api = ClApi.load();
        MemorySegment[] platforms;
        try {
            platforms = api.platforms();
        } catch (OpenClException e) {
            throw new OpenClUnavailableException("OpenCL (" + api.library() + ") cannot list platforms: " + e.getMessage(), e);
        }
        if (platforms.length == 0) {
            throw new OpenClUnavailableException("OpenCL (" + api.library() + ") has no platform installed; for the CPU install pocl-opencl-icd");
        }
        List<Device> devices = new ArrayList<>();
        for (MemorySegment platform : platforms) {
            for (MemorySegment device : api.devices(platform)) devices.add(new Device(api, devices.size(), platform, device));
        }
        if (devices.isEmpty()) {
            throw new OpenClUnavailableException("OpenCL has " + platforms.length + " platform(s) but no device");
        }
        return new OpenCl(api, List.copyOf(devices));
    }

    /** Every device, numbered by {@link Device#index()}. */
    public List<Device> devices() {
        return devices;
    }

    /** The device {@code selector} picks. */
    public Device select(DeviceSelector selector) {
        return selector.select(devices);
    }

    /** A context and in-order queue on {@code device}; close it to release them. */
    public ClContext open(Device device) {
        return new ClContext(api, device);
    }
}
