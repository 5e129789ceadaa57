package org.sparselora4j.lora.run;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process holds in memory, read from the operating system and the JVM, for summaries and benchmarks. */
public final class MemoryUse {
    private MemoryUse() {
    }

    /** The peak resident set size of this process (Linux's VmHWM), or -1 where /proc does not report it. */
    public static long peakRssBytes() {
        return statusKilobytes("VmHWM:");
    }

    /** The resident set size now (VmRSS), or -1. */
    public static long rssBytes() {
        return statusKilobytes("VmRSS:");
    }

    private static long statusKilobytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The sum of the heap pools' peak use since start (an upper bound on the live heap's peak). */
    public static long heapPeakBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) sum += pool.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** The physical memory of the machine (MemTotal), or -1. */
    public static long machineBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.substring(9).trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
