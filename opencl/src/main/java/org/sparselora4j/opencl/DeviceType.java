package org.sparselora4j.opencl;

/** The kind of an OpenCL device, in the order {@link DeviceSelector#preferred()} tries them. */
public enum DeviceType {
    GPU, ACCELERATOR, CPU, OTHER;

    static DeviceType of(long clDeviceType) {
        if ((clDeviceType & ClApi.DEVICE_TYPE_GPU) != 0) return GPU;
        if ((clDeviceType & ClApi.DEVICE_TYPE_ACCELERATOR) != 0) return ACCELERATOR;
        if ((clDeviceType & ClApi.DEVICE_TYPE_CPU) != 0) return CPU;
        return OTHER;
    }
}
