package org.sparselora4j.opencl;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which OpenCL device to use: the {@link #preferred()} one (a GPU, else an accelerator, else a CPU), a given
 * {@link DeviceType}, or the one at an index of {@link OpenCl#devices()}. {@link #fromEnvironment} reads
 * {@value #ENV} so a user can override the choice without a code change.
 */
public sealed interface DeviceSelector {
    /** Environment variable: {@code gpu}, {@code accelerator}, {@code cpu}, {@code auto} or a device index. */
    String ENV = "SPARSELORA4J_OPENCL_DEVICE";

    /** The chosen device; throws {@link OpenClUnavailableException} when none fits. */
    Device select(List<Device> devices);

    /** True when a user named the device (by index or type) rather than leaving the choice to us. */
    boolean explicit();

    /** The first usable GPU, else accelerator, else CPU, else other device. */
    record Preferred() implements DeviceSelector {
        @Override
        public Device select(List<Device> devices) {
            return devices.stream().filter(Device::usable).min(Comparator.comparing(Device::type))
                    .orElseThrow(() -> new OpenClUnavailableException("no usable OpenCL device among " + devices.size() + " found"));
        }

        @Override
        public boolean explicit() {
            return false;
        }
    }

    /** The first usable device of a type. */
    record OfType(DeviceType type) implements DeviceSelector {
        @Override
        public Device select(List<Device> devices) {
            return devices.stream().filter(d -> d.usable() && d.type() == type).findFirst()
                    .orElseThrow(() -> new OpenClUnavailableException("no usable OpenCL " + type + " device among " + devices.size() + " found"));
        }

        @Override
        public boolean explicit() {
            return true;
        }
    }

    /** The device at an index of {@link OpenCl#devices()}. */
    record ByIndex(int index) implements DeviceSelector {
        @Override
        public Device select(List<Device> devices) {
            if (index < 0 || index >= devices.size()) {
                throw new OpenClUnavailableException("no OpenCL device #" + index + "; there are " + devices.size());
            }
            Device d = devices.get(index);
            if (!d.usable()) throw new OpenClUnavailableException("OpenCL device " + d + " is not available or has no compiler");
            return d;
        }

        @Override
        public boolean explicit() {
            return true;
        }
    }

    static DeviceSelector preferred() {
        return new Preferred();
    }

    static DeviceSelector index(int index) {
        return new ByIndex(index);
    }

    static DeviceSelector type(DeviceType type) {
        return new OfType(type);
    }

    /** Parses {@code auto}, {@code gpu}, {@code accelerator}, {@code cpu} or a device index. */
    static DeviceSelector parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "auto" -> preferred();
            case "gpu" -> type(DeviceType.GPU);
            case "accelerator" -> type(DeviceType.ACCELERATOR);
            case "cpu" -> type(DeviceType.CPU);
            default -> {
                try {
                    yield index(Integer.parseInt(t));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("OpenCL device \"" + text + "\" is not auto, gpu, accelerator, cpu or an index");
                }
            }
        };
    }

    /** {@link #parse} of {@value #ENV} in {@code environment}, or {@link #preferred()} when it is unset. */
    static DeviceSelector fromEnvironment(Map<String, String> environment) {
        String value = environment.get(ENV);
        return value == null ? preferred() : parse(value);
    }
}
