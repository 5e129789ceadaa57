package org.sparselora4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernels need to know about the CPU they run on, read once at start-up: the float lanes of the
 * Vector API's preferred species, how many vector registers the JIT can hold values in, and the data cache
 * sizes of one core. {@link GemmPlan#forMachine} picks the GEMM's register tile and blocking from it.
 *
 * @param lanes     floats per vector of the preferred species
 * @param registers architectural vector registers: 32 with AVX-512 (zmm0-31) and on AArch64, 16 with AVX2
 * @param l1        bytes of level-1 data cache of one core
 * @param l2        bytes of level-2 cache of one core
 * @param l3        bytes of level-3 cache (shared), 0 when there is none
 */
public record Machine(int lanes, int registers, long l1, long l2, long l3) {
    /** Sizes assumed where the operating system does not tell: a common x86 core of the last decade. */
    private static final long DEFAULT_L1 = 32 << 10, DEFAULT_L2 = 512 << 10, DEFAULT_L3 = 8 << 20;

    private static final Machine CURRENT = detect();

    /** The machine this JVM runs on. */
    public static Machine current() {
        return CURRENT;
    }

    private static Machine detect() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        String arch = System.getProperty("os.arch", "");
        // On x86 a 512-bit species means AVX-512, which has 32 vector registers; AVX2's 256 bits have 16.
        int registers = arch.equals("aarch64") || FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 32 : 16;
        long l1 = DEFAULT_L1, l2 = DEFAULT_L2, l3 = 0;
        boolean found = false;
        for (int i = 0; i < 8; i++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            String level = read(dir.resolve("level")), type = read(dir.resolve("type")), size = read(dir.resolve("size"));
            long bytes = parseSize(size);
            if (level == null || type == null || bytes <= 0 || type.equals("Instruction")) continue;
            found = true;
            switch (level) {
                case "1" -> l1 = bytes;
                case "2" -> l2 = bytes;
                case "3" -> l3 = bytes;
                default -> { }
            }
        }
        if (!found) l3 = DEFAULT_L3;
        return new Machine(lanes, registers, l1, l2, l3);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** "32K", "1024K", "32M" or a plain byte count as Linux writes cache sizes; -1 when unreadable. */
    static long parseSize(String text) {
        if (text == null || text.isEmpty()) return -1;
        long unit = switch (Character.toUpperCase(text.charAt(text.length() - 1))) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? text : text.substring(0, text.length() - 1);
        try {
            long v = Long.parseLong(digits.strip());
            return v > 0 && v < (1L << 40) / unit ? v * unit : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One line for logs and benchmark output. */
    public String describe() {
        return lanes + " float lanes, " + registers + " vector registers, L1d " + (l1 >> 10) + " KiB, L2 " + (l2 >> 10)
                + " KiB, L3 " + (l3 >> 20) + " MiB";
    }
}
