// OpenBLAS SGEMM in the three layouts a training step uses (scripts/gemm-anchors.sh builds and runs it): openblas_layouts THREADS REPS M K N
//   abT: C[M×N] = A[M×K]·B[N×K]ᵀ   ab: C[M×N] = A[M×K]·B[K×N]   aTb: C[M×N] = A[K×M]ᵀ·B[K×N]
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
extern void openblas_set_num_threads(int);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int th = atoi(argv[1]), reps = atoi(argv[2]), m = atoi(argv[3]), k = atoi(argv[4]), n = atoi(argv[5]);
  openblas_set_num_threads(th);
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
  for (long i = 0; i < (long) m * k; i++) a[i] = (float) ((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (long i = 0; i < (long) k * n; i++) b[i] = (float) ((i * 104729) % 1000) / 1000.0f - 0.5f;
  const char *names[3] = {"abT", "ab", "aTb"};
  double *t = malloc(sizeof(double) * reps);
  for (int layout = 0; layout < 3; layout++) {
    for (int r = -3; r < reps; r++) {
      double s = now();
      if (layout == 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
      else if (layout == 1) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
      else cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, m, b, n, 0.0f, c, n);
      if (r >= 0) t[r] = now() - s;
    }
    qsort(t, reps, sizeof(double), cmp);
    double med = t[reps / 2];
    printf("openblas %s %dx%dx%d threads %d: %.3f ms, %.1f GFLOP/s\n", names[layout], m, k, n, th, med * 1e3, 2.0 * m * k * n / med / 1e9);
  }
  return 0;
}
