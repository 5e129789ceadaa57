package org.sparselora4j.opencl;

/**
 * The tile shape of {@code matmul.cl}: a work group of {@code wgM x wgN} items, each computing {@code rm x rn}
 * outputs, stepping K by {@code tileK}. {@link #forDevice} picks one that fits the device's work-group limit.
 */
public record MatMulTiling(int wgM, int wgN, int rm, int rn, int tileK) {
    public MatMulTiling {
        if (wgM < 1 || wgN < 1 || rm < 1 || rn < 1 || tileK < 1) {
            throw new IllegalArgumentException("tiling sizes must be positive: " + wgM + "x" + wgN + ", " + rm + "x" + rn + ", k " + tileK);
        }
    }

    /**
     * GPUs and accelerators: 16x16 items of 4x4 outputs (64x64 tiles), or 8x8 items where the device allows fewer
     * than 256. CPUs: 4x4 items of 8x8 outputs (32x32 tiles, k steps of 32): PoCL runs a work group as loops over
     * its items, split at each barrier, so few items with large register blocks run 3-7x faster there than the
     * GPU shape (512^3 abT on PoCL, 2 cores: about 14 against 2-3 GFLOP/s).
     */
    public static MatMulTiling forDevice(Device device) {
        if (device.type() == DeviceType.CPU) return new MatMulTiling(4, 4, 8, 8, 32);
        return device.maxWorkGroupSize() >= 256 ? new MatMulTiling(16, 16, 4, 4, 16) : new MatMulTiling(8, 8, 4, 4, 16);
    }

    public int tileM() {
        return wgM * rm;
    }

    public int tileN() {
        return wgN * rn;
    }

    String defines() {
        return "-DWG_M=" + wgM + " -DWG_N=" + wgN + " -DRM=" + rm + " -DRN=" + rn + " -DTILE_K=" + tileK;
    }
}
