package org.sparselora4j.tornado;

/**
 * How {@link MatMulKernel} reads its operands for one product, as in {@code tensor}'s {@code MatMul} and
 * {@code GatheredMatMul}: the kernel computes C(M,N) = A(M,K) · B(K,N), and a layout says whether A and B are
 * stored transposed and which of their indices go through the kept-channel index.
 */
enum Layout {
    /** out(m,n) = a(m,k) · b(n,k)ᵀ. */
    AB_T(false, true, false, false, false),
    /** out(m,n) = a(m,k) · b(k,n). */
    AB(false, false, false, false, false),
    /** out(m,n) = a(k,m)ᵀ · b(k,n). */
    AT_B(true, false, false, false, false),
    /** y(n,k) = x(n,in) · w[rows]ᵀ: N = kept rows, B(p,j) = w[rows[j]][p]. */
    ROWS_AB_T(false, true, false, false, true),
    /** dx(n,in) = dy(n,k) · w[rows]: K = kept rows, B(p,j) = w[rows[p]][j]. */
    ROWS_AB(false, false, false, true, false),
    /** y(n,out) = x[:,cols] · w[:,cols]ᵀ on a full-width x: K = kept columns, gathered from x and w. */
    COLS_AB_T(false, true, true, true, false),
    /** y(n,out) = xk(n,k) · w[:,cols]ᵀ on an already compact x: only w is gathered. */
    COLS_AB_T_COMPACT(false, true, false, true, false),
    /** dxk(n,k) = dy(n,out) · w[:,cols]: N = kept columns, B(p,j) = w[p][cols[j]]. */
    COLS_AB(false, false, false, false, true);

    final boolean aTrans;
    final boolean bTrans;
    final boolean aGatherIn;
    final boolean bGatherIn;
    final boolean bGatherOut;

    Layout(boolean aTrans, boolean bTrans, boolean aGatherIn, boolean bGatherIn, boolean bGatherOut) {
        this.aTrans = aTrans;
        this.bTrans = bTrans;
        this.aGatherIn = aGatherIn;
        this.bGatherIn = bGatherIn;
        this.bGatherOut = bGatherOut;
    }

    /** True when the kernel reads the index. */
    boolean gathered() {
        return aGatherIn || bGatherIn || bGatherOut;
    }
}
