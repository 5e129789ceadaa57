package org.sparselora4j.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The OpenCL C API through {@code java.lang.foreign}: one downcall handle per function, each wrapped in a method
 * that checks the status and throws {@link OpenClException} naming the call. Handles ({@code cl_context},
 * {@code cl_mem}, ...) are plain {@link MemorySegment} addresses; {@code size_t} is taken as 64 bits.
 * The library is loaded into the global arena: ICD loaders and vendor drivers are not built to be unloaded.
 */
final class ClApi {
    static final int PLATFORM_NAME = 0x0902;
    static final int PLATFORM_VERSION = 0x0901;
    static final int PLATFORM_VENDOR = 0x0903;
    static final long DEVICE_TYPE_CPU = 1L << 1;
    static final long DEVICE_TYPE_GPU = 1L << 2;
    static final long DEVICE_TYPE_ACCELERATOR = 1L << 3;
    static final long DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int DEVICE_TYPE = 0x1000;
    static final int DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int DEVICE_LOCAL_MEM_SIZE = 0x1023;
    static final int DEVICE_AVAILABLE = 0x1027;
    static final int DEVICE_COMPILER_AVAILABLE = 0x1028;
    static final int DEVICE_NAME = 0x102B;
    static final int DEVICE_VENDOR = 0x102C;
    static final int DEVICE_VERSION = 0x102F;
    static final long CONTEXT_PLATFORM = 0x1084;
    static final long MEM_READ_WRITE = 1L;
    static final int PROGRAM_BUILD_LOG = 0x1183;

    private static final String[] LIBRARIES = {"libOpenCL.so.1", "libOpenCL.so"};

    private final String library;
    private final MethodHandle getPlatformIDs;
    private final MethodHandle getPlatformInfo;
    private final MethodHandle getDeviceIDs;
    private final MethodHandle getDeviceInfo;
    private final MethodHandle createContext;
    private final MethodHandle createCommandQueue;
    private final Optional<MethodHandle> createCommandQueueWithProperties;
    private final MethodHandle createBuffer;
    private final MethodHandle enqueueWriteBuffer;
    private final MethodHandle enqueueReadBuffer;
    private final MethodHandle createProgramWithSource;
    private final MethodHandle buildProgram;
    private final MethodHandle getProgramBuildInfo;
    private final MethodHandle createKernel;
    private final MethodHandle setKernelArg;
    private final MethodHandle enqueueNDRangeKernel;
    private final MethodHandle finish;
    private final MethodHandle releaseMemObject;
    private final MethodHandle releaseKernel;
    private final MethodHandle releaseProgram;
    private final MethodHandle releaseCommandQueue;
    private final MethodHandle releaseContext;

    private ClApi(String library, SymbolLookup lookup) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        Binder bind = new Binder(library, lookup, linker);
        getPlatformIDs = bind.fn("clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        getPlatformInfo = bind.fn("clGetPlatformInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        getDeviceIDs = bind.fn("clGetDeviceIDs", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        getDeviceInfo = bind.fn("clGetDeviceInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        createContext = bind.fn("clCreateContext", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        createCommandQueue = bind.fn("clCreateCommandQueue", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        createCommandQueueWithProperties = bind.optional("clCreateCommandQueueWithProperties", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        createBuffer = bind.fn("clCreateBuffer", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        enqueueWriteBuffer = bind.fn("clEnqueueWriteBuffer", transfer);
        enqueueReadBuffer = bind.fn("clEnqueueReadBuffer", transfer);
        createProgramWithSource = bind.fn("clCreateProgramWithSource", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        buildProgram = bind.fn("clBuildProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        getProgramBuildInfo = bind.fn("clGetProgramBuildInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        createKernel = bind.fn("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        setKernelArg = bind.fn("clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        enqueueNDRangeKernel = bind.fn("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        FunctionDescriptor release = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        finish = bind.fn("clFinish", release);
        releaseMemObject = bind.fn("clReleaseMemObject", release);
        releaseKernel = bind.fn("clReleaseKernel", release);
        releaseProgram = bind.fn("clReleaseProgram", release);
        releaseCommandQueue = bind.fn("clReleaseCommandQueue", release);
        releaseContext = bind.fn("clReleaseContext", release);
    }

    /** Loads the OpenCL ICD loader (or a vendor library of that name); throws if none can be loaded. */
    static ClApi load() {
        return load(LIBRARIES);
    }

    /** The first of {@code libraries} that loads. Needs native access ({@code --enable-native-access=ALL-UNNAMED}). */
    @SuppressWarnings("restricted")
    static ClApi load(String... libraries) {
        IllegalArgumentException last = null;
        for (String name : libraries) {
            try {
                return new ClApi(name, SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException e) {
                last = e;
            }
        }
        throw new OpenClUnavailableException("no OpenCL library found (tried " + String.join(", ", libraries)
                + "); install a GPU driver, or ocl-icd-libopencl1 and pocl-opencl-icd for the CPU", last);
    }

    String library() {
        return library;
    }

    /** Binds symbols of one library; a missing symbol means the library is not a usable OpenCL. */
    private record Binder(String library, SymbolLookup lookup, Linker linker) {
        MethodHandle fn(String name, FunctionDescriptor descriptor) {
            return optional(name, descriptor).orElseThrow(
                    () -> new OpenClUnavailableException(library + " has no symbol " + name + "; it is not an OpenCL 1.2+ library"));
        }

        @SuppressWarnings("restricted")
        Optional<MethodHandle> optional(String name, FunctionDescriptor descriptor) {
            return lookup.find(name).map(symbol -> linker.downcallHandle(symbol, descriptor));
        }
    }

    static void check(String call, int status) {
        if (status != ClStatus.SUCCESS) throw new OpenClException(call, status, "");
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---- platforms and devices ----

    /** The platform ids; an empty array when the loader has no platform (CL_PLATFORM_NOT_FOUND_KHR). */
    MemorySegment[] platforms() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = (int) getPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (status == ClStatus.PLATFORM_NOT_FOUND_KHR) return new MemorySegment[0];
            check("clGetPlatformIDs", status);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return new MemorySegment[0];
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetPlatformIDs", (int) getPlatformIDs.invokeExact(n, ids, MemorySegment.NULL));
            return addresses(ids, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String platformInfo(MemorySegment platform, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check("clGetPlatformInfo", (int) getPlatformInfo.invokeExact(platform, param, 0L, MemorySegment.NULL, size));
            long n = size.get(JAVA_LONG, 0);
            MemorySegment value = arena.allocate(Math.max(1, n));
            check("clGetPlatformInfo", (int) getPlatformInfo.invokeExact(platform, param, n, value, MemorySegment.NULL));
            return value.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The devices of a platform; empty when it has none (CL_DEVICE_NOT_FOUND). */
    MemorySegment[] devices(MemorySegment platform) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = (int) getDeviceIDs.invokeExact(platform, DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (status == -1) return new MemorySegment[0];
            check("clGetDeviceIDs", status);
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return new MemorySegment[0];
            MemorySegment ids = arena.allocate(ADDRESS, n);
            check("clGetDeviceIDs", (int) getDeviceIDs.invokeExact(platform, DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL));
            return addresses(ids, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String deviceString(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, 0L, MemorySegment.NULL, size));
            long n = size.get(JAVA_LONG, 0);
            MemorySegment value = arena.allocate(Math.max(1, n));
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, n, value, MemorySegment.NULL));
            return value.getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A {@code cl_ulong}, {@code size_t} or {@code cl_bitfield} property (8 bytes). */
    long deviceLong(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, 8L, value, MemorySegment.NULL));
            return value.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A {@code cl_uint} or {@code cl_bool} property (4 bytes). */
    int deviceInt(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            check("clGetDeviceInfo", (int) getDeviceInfo.invokeExact(device, param, 4L, value, MemorySegment.NULL));
            return value.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- context and queue ----

    MemorySegment createContext(MemorySegment platform, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment properties = arena.allocate(JAVA_LONG, 3);
            properties.setAtIndex(JAVA_LONG, 0, CONTEXT_PLATFORM);
            properties.setAtIndex(JAVA_LONG, 1, platform.address());
            properties.setAtIndex(JAVA_LONG, 2, 0L);
            MemorySegment devices = arena.allocateFrom(ADDRESS, device);
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment context = (MemorySegment) createContext.invokeExact(properties, 1, devices, MemorySegment.NULL, MemorySegment.NULL, status);
            check("clCreateContext", status.get(JAVA_INT, 0));
            return context;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An in-order queue without profiling; the OpenCL 2.0 call where the platform has it. */
    MemorySegment createQueue(MemorySegment context, MemorySegment device, boolean openCl2) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment queue;
            if (openCl2 && createCommandQueueWithProperties.isPresent()) {
                queue = (MemorySegment) createCommandQueueWithProperties.get().invokeExact(context, device, MemorySegment.NULL, status);
                check("clCreateCommandQueueWithProperties", status.get(JAVA_INT, 0));
            } else {
                queue = (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, status);
                check("clCreateCommandQueue", status.get(JAVA_INT, 0));
            }
            return queue;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            check("clFinish", (int) finish.invokeExact(queue));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- buffers ----

    MemorySegment createBuffer(MemorySegment context, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) createBuffer.invokeExact(context, MEM_READ_WRITE, bytes, MemorySegment.NULL, status);
            int code = status.get(JAVA_INT, 0);
            if (code != ClStatus.SUCCESS) throw new OpenClException("clCreateBuffer", code, "while allocating " + bytes + " bytes");
            return mem;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A blocking copy of {@code bytes} from host memory {@code src} into {@code mem} at {@code offset}. */
    void write(MemorySegment queue, MemorySegment mem, long offset, long bytes, MemorySegment src) {
        try {
            check("clEnqueueWriteBuffer", (int) enqueueWriteBuffer.invokeExact(queue, mem, 1, offset, bytes, src, 0, MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A blocking copy of {@code bytes} from {@code mem} at {@code offset} into host memory {@code dst}. */
    void read(MemorySegment queue, MemorySegment mem, long offset, long bytes, MemorySegment dst) {
        try {
            check("clEnqueueReadBuffer", (int) enqueueReadBuffer.invokeExact(queue, mem, 1, offset, bytes, dst, 0, MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- programs and kernels ----

    MemorySegment createProgram(MemorySegment context, String source) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocateFrom(source);
            MemorySegment strings = arena.allocateFrom(ADDRESS, text);
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment program = (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, status);
            check("clCreateProgramWithSource", status.get(JAVA_INT, 0));
            return program;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Builds for one device; a failure throws with the compiler's build log in the message. */
    void build(MemorySegment program, MemorySegment device, String options, String what) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment devices = arena.allocateFrom(ADDRESS, device);
            status = (int) buildProgram.invokeExact(program, 1, devices, arena.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (status != ClStatus.SUCCESS) {
            throw new OpenClException("clBuildProgram", status, "building " + what + " with options \"" + options + "\"; build log:\n" + buildLog(program, device));
        }
    }

    String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            int status = (int) getProgramBuildInfo.invokeExact(program, device, PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            if (status != ClStatus.SUCCESS) return "(no build log: clGetProgramBuildInfo gave " + ClStatus.name(status) + ")";
            long n = size.get(JAVA_LONG, 0);
            MemorySegment log = arena.allocate(Math.max(1, n));
            status = (int) getProgramBuildInfo.invokeExact(program, device, PROGRAM_BUILD_LOG, n, log, MemorySegment.NULL);
            if (status != ClStatus.SUCCESS) return "(no build log: clGetProgramBuildInfo gave " + ClStatus.name(status) + ")";
            return log.getString(0).strip();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment kernel = (MemorySegment) createKernel.invokeExact(program, arena.allocateFrom(name), status);
            int code = status.get(JAVA_INT, 0);
            if (code != ClStatus.SUCCESS) throw new OpenClException("clCreateKernel", code, "kernel " + name);
            return kernel;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets a kernel argument from {@code size} bytes at {@code value}. */
    void setArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        int status;
        try {
            status = (int) setKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (status != ClStatus.SUCCESS) throw new OpenClException("clSetKernelArg", status, "argument " + index);
    }

    /** Enqueues a 2D range; {@code global} must be a multiple of {@code local} in each dimension. */
    void enqueue2d(MemorySegment queue, MemorySegment kernel, long global0, long global1, long local0, long local1) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment global = arena.allocate(JAVA_LONG, 2);
            global.setAtIndex(JAVA_LONG, 0, global0);
            global.setAtIndex(JAVA_LONG, 1, global1);
            MemorySegment local = arena.allocate(JAVA_LONG, 2);
            local.setAtIndex(JAVA_LONG, 0, local0);
            local.setAtIndex(JAVA_LONG, 1, local1);
            int status = (int) enqueueNDRangeKernel.invokeExact(queue, kernel, 2, MemorySegment.NULL, global, local, 0, MemorySegment.NULL, MemorySegment.NULL);
            if (status != ClStatus.SUCCESS) {
                throw new OpenClException("clEnqueueNDRangeKernel", status, "global " + global0 + "x" + global1 + ", local " + local0 + "x" + local1);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- release ----

    void releaseMem(MemorySegment mem) {
        release("clReleaseMemObject", releaseMemObject, mem);
    }

    void releaseKernel(MemorySegment kernel) {
        release("clReleaseKernel", releaseKernel, kernel);
    }

    void releaseProgram(MemorySegment program) {
        release("clReleaseProgram", releaseProgram, program);
    }

    void releaseQueue(MemorySegment queue) {
        release("clReleaseCommandQueue", releaseCommandQueue, queue);
    }

    void releaseContext(MemorySegment context) {
        release("clReleaseContext", releaseContext, context);
    }

    private static void release(String call, MethodHandle handle, MemorySegment object) {
        try {
            check(call, (int) handle.invokeExact(object));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MemorySegment[] addresses(MemorySegment array, int n) {
        MemorySegment[] out = new MemorySegment[n];
        for (int i = 0; i < n; i++) out[i] = array.getAtIndex(ValueLayout.ADDRESS, i);
        return out;
    }
}
