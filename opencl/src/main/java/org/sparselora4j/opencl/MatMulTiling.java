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

    /** 16x16 items of 4x4 outputs (64x64 tiles), or 8x8 items where the device allows fewer than 256. */
    public static MatMulTiling forDevice(Device device) {
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
