package org.sparselora4j.opencl;

/**
 * Enqueues {@code matmul.cl} on device buffers: C(M,N) (+)= A(M,K) · B(K,N) in one of the
 * {@link MatMulVariant}s. Only wiring: shapes are the caller's to check, buffers the caller's to own.
 */
public final class DeviceMatMul {
    private static final String SOURCE = "matmul.cl";

    private final ClContext context;
    private final MatMulTiling tiling;

    public DeviceMatMul(ClContext context, MatMulTiling tiling) {
        this.context = context;
        this.tiling = tiling;
    }

    public DeviceMatMul(ClContext context) {
        this(context, MatMulTiling.forDevice(context.device()));
    }

    public MatMulTiling tiling() {
        return tiling;
    }

    /**
     * Enqueues one product; returns without waiting. {@code lda}/{@code ldb} are the row lengths of a and b as
     * stored; {@code idx} (K or N ints, see the variant) is read only by gathered variants and may be null
     * otherwise. M or N of 0 enqueues nothing; K of 0 writes zeros (or leaves c as is with accumulate).
     */
    public void enqueue(MatMulVariant variant, int m, int n, int k, ClBuffer a, int lda, ClBuffer b, int ldb,
                        ClBuffer idx, ClBuffer c, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative size " + m + "x" + k + "x" + n);
        if (m == 0 || n == 0) return;
        if (variant.gathered() && k > 0 && idx == null) throw new IllegalArgumentException(variant + " needs an index buffer");
        ClKernel kernel = context.program(SOURCE, variant.defines() + " " + tiling.defines()).kernel("matmul");
        kernel.arg(0, m).arg(1, n).arg(2, k);
        if (k == 0) {
            // Nothing is read from a or b; any live buffer satisfies the argument.
            kernel.arg(3, c).arg(4, 0).arg(5, c).arg(6, 0);
        } else {
            kernel.arg(3, a).arg(4, lda).arg(5, b).arg(6, ldb);
        }
        if (idx == null) kernel.nullArg(7);
        else kernel.arg(7, idx);
        kernel.arg(8, c).arg(9, accumulate ? 1 : 0);
        long groupsN = ceilDiv(n, tiling.tileN());
        long groupsM = ceilDiv(m, tiling.tileM());
        kernel.launch(groupsN * tiling.wgN(), groupsM * tiling.wgM(), tiling.wgN(), tiling.wgM());
    }

    private static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }
}
