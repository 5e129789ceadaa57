package org.sparselora4j.opencl;

import java.lang.foreign.MemorySegment;

/**
 * One OpenCL device as discovery found it: what it is and how big. {@code index} is its position in
 * {@link OpenCl#devices()} (platforms in loader order, then devices), the number a user picks it by.
 */
public final class Device {
    private final int index;
    private final String name;
    private final String vendor;
    private final String platform;
    private final String version;
    private final DeviceType type;
    private final long globalMemBytes;
    private final long maxAllocBytes;
    private final long localMemBytes;
    private final int computeUnits;
    private final long maxWorkGroupSize;
    private final boolean usable;
    private final MemorySegment platformId; // cl_platform_id
    private final MemorySegment deviceId; // cl_device_id
    private final boolean platformOpenCl2;

    Device(ClApi api, int index, MemorySegment platformId, MemorySegment deviceId) {
        this.index = index;
        this.platformId = platformId;
        this.deviceId = deviceId;
        this.name = api.deviceString(deviceId, ClApi.DEVICE_NAME);
        this.vendor = api.deviceString(deviceId, ClApi.DEVICE_VENDOR);
        this.version = api.deviceString(deviceId, ClApi.DEVICE_VERSION);
        this.platform = api.platformInfo(platformId, ClApi.PLATFORM_NAME);
        this.type = DeviceType.of(api.deviceLong(deviceId, ClApi.DEVICE_TYPE));
        this.globalMemBytes = api.deviceLong(deviceId, ClApi.DEVICE_GLOBAL_MEM_SIZE);
        this.maxAllocBytes = api.deviceLong(deviceId, ClApi.DEVICE_MAX_MEM_ALLOC_SIZE);
        this.localMemBytes = api.deviceLong(deviceId, ClApi.DEVICE_LOCAL_MEM_SIZE);
        this.computeUnits = api.deviceInt(deviceId, ClApi.DEVICE_MAX_COMPUTE_UNITS);
        this.maxWorkGroupSize = api.deviceLong(deviceId, ClApi.DEVICE_MAX_WORK_GROUP_SIZE);
        this.usable = api.deviceInt(deviceId, ClApi.DEVICE_AVAILABLE) != 0
                && api.deviceInt(deviceId, ClApi.DEVICE_COMPILER_AVAILABLE) != 0;
        this.platformOpenCl2 = majorVersion(api.platformInfo(platformId, ClApi.PLATFORM_VERSION)) >= 2;
    }

    /** The major version of an "OpenCL X.Y ..." string, 1 when it cannot be read. */
    static int majorVersion(String version) {
        String[] words = version.split(" ");
        if (words.length < 2) return 1;
        int dot = words[1].indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? words[1] : words[1].substring(0, dot));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    public String vendor() {
        return vendor;
    }

    /** The platform's name, such as "NVIDIA CUDA" or "Portable Computing Language". */
    public String platform() {
        return platform;
    }

    /** The device's OpenCL version string. */
    public String version() {
        return version;
    }

    public DeviceType type() {
        return type;
    }

    public long globalMemBytes() {
        return globalMemBytes;
    }

    /** The largest single buffer the device allows. */
    public long maxAllocBytes() {
        return maxAllocBytes;
    }

    public long localMemBytes() {
        return localMemBytes;
    }

    public int computeUnits() {
        return computeUnits;
    }

    public long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    /** Available and with a compiler, so that the .cl kernels can be built for it. */
    public boolean usable() {
        return usable;
    }

    MemorySegment platformId() {
        return platformId;
    }

    MemorySegment deviceId() {
        return deviceId;
    }

    boolean platformOpenCl2() {
        return platformOpenCl2;
    }

    @Override
    public String toString() {
        return "#" + index + " " + type + " " + name + " (" + vendor + ", " + platform + "; " + computeUnits + " CUs, "
                + (globalMemBytes >> 20) + " MiB, work group <= " + maxWorkGroupSize + (usable ? "" : ", unusable") + ")";
    }
}
