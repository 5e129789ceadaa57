// C(M,N) (+)= A(M,K) · B(K,N), row-major C, for the three dense layouts and the four gathered products of
// SparseLoRA. One kernel: build-time defines say where A(i,p) and B(p,j) live, so each variant compiles to
// straight-line addressing (the host builds this file once per variant and device).
//
//   A_TRANS 0: A(i,p) = a[i*lda + ACOL(p)]                 abT, ab, gathered: a is (M, lda)
//   A_TRANS 1: A(i,p) = a[p*lda + i]                       aTb: a is (K, M)
//   B_TRANS 1: B(p,j) = b[BOUT(j)*ldb + BIN(p)]            abT: b is (N, K), a weight (out, in)
//   B_TRANS 0: B(p,j) = b[BIN(p)*ldb + BOUT(j)]            ab, aTb: b is (K, N)
//   A_GATHER_IN:  ACOL(p) = idx[p]   colsAbT on a full-width x: only the kept input channels
//   B_GATHER_IN:  BIN(p)  = idx[p]   rowsAb (rows idx of w) and colsAbT (columns idx of w)
//   B_GATHER_OUT: BOUT(j) = idx[j]   rowsAbT (rows idx of w) and colsAb (columns idx of w)
//
// Tiling: a work group of WG_M x WG_N items owns a TILE_M x TILE_N block of C (TILE_M = WG_M*RM,
// TILE_N = WG_N*RN) and walks K in steps of TILE_K. Each step stages an A tile and a B tile in local memory
// (k-major, so the inner loop reads one row of each), then every item updates its RM x RN register block.
// An item owns rows ty + WG_M*r and columns tx + WG_N*c: neighbouring items touch neighbouring columns, so
// loads of the B tile and stores of C are contiguous across dimension 0. Out-of-range elements are read as 0
// and never written, so M, N and K need not be multiples of the tiles. With accumulate != 0, C is added to.

#ifndef WG_M
#define WG_M 16
#endif
#ifndef WG_N
#define WG_N 16
#endif
#ifndef RM
#define RM 4
#endif
#ifndef RN
#define RN 4
#endif
#ifndef TILE_K
#define TILE_K 16
#endif
#define TILE_M (WG_M * RM)
#define TILE_N (WG_N * RN)
#define WG_SIZE (WG_M * WG_N)

#if A_GATHER_IN
#define ACOL(p) idx[p]
#else
#define ACOL(p) (p)
#endif
#if B_GATHER_IN
#define BIN(p) idx[p]
#else
#define BIN(p) (p)
#endif
#if B_GATHER_OUT
#define BOUT(j) idx[j]
#else
#define BOUT(j) (j)
#endif

__kernel __attribute__((reqd_work_group_size(WG_N, WG_M, 1)))
void matmul(const int M, const int N, const int K,
            __global const float* restrict a, const int lda,
            __global const float* restrict b, const int ldb,
            __global const int* restrict idx,
            __global float* restrict c,
            const int accumulate) {
    // +1 column of padding: the tile stores below write with a stride of TILE_M (TILE_N) across items,
    // which would otherwise hit one local-memory bank on GPUs.
    __local float As[TILE_K][TILE_M + 1];
    __local float Bs[TILE_K][TILE_N + 1];

    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int lid = ty * WG_N + tx;
    const int row0 = get_group_id(1) * TILE_M;
    const int col0 = get_group_id(0) * TILE_N;

    float acc[RM][RN];
    for (int r = 0; r < RM; r++)
        for (int q = 0; q < RN; q++) acc[r][q] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TILE_K) {
        // Stage A(row0.., k0..): consecutive items read consecutive addresses of a.
        for (int e = lid; e < TILE_M * TILE_K; e += WG_SIZE) {
#if A_TRANS
            const int i = e % TILE_M, p = e / TILE_M;
#else
            const int p = e % TILE_K, i = e / TILE_K;
#endif
            const int gi = row0 + i, gp = k0 + p;
            float v = 0.0f;
            if (gi < M && gp < K) {
#if A_TRANS
                v = a[gp * lda + gi];
#else
                v = a[gi * lda + ACOL(gp)];
#endif
            }
            As[p][i] = v;
        }
        // Stage B(k0.., col0..) the same way.
        for (int e = lid; e < TILE_N * TILE_K; e += WG_SIZE) {
#if B_TRANS
            const int p = e % TILE_K, j = e / TILE_K;
#else
            const int j = e % TILE_N, p = e / TILE_N;
#endif
            const int gj = col0 + j, gp = k0 + p;
            float v = 0.0f;
            if (gj < N && gp < K) {
#if B_TRANS
                v = b[BOUT(gj) * ldb + BIN(gp)];
#else
                v = b[BIN(gp) * ldb + BOUT(gj)];
#endif
            }
            Bs[p][j] = v;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int p = 0; p < TILE_K; p++) {
            float av[RM], bv[RN];
            for (int r = 0; r < RM; r++) av[r] = As[p][ty + WG_M * r];
            for (int q = 0; q < RN; q++) bv[q] = Bs[p][tx + WG_N * q];
            for (int r = 0; r < RM; r++)
                for (int q = 0; q < RN; q++) acc[r][q] += av[r] * bv[q];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int r = 0; r < RM; r++) {
        const int gi = row0 + ty + WG_M * r;
        if (gi >= M) continue;
        for (int q = 0; q < RN; q++) {
            const int gj = col0 + tx + WG_N * q;
            if (gj >= N) continue;
            const int o = gi * N + gj;
            c[o] = accumulate ? c[o] + acc[r][q] : acc[r][q];
        }
    }
}
