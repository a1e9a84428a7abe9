// The in-core ceiling of register-tiled SGEMM micro-kernels on this CPU: four
// tile shapes, each 24 zmm accumulators, with A and B in L1/L2 (no packing, no
// C traffic beyond one store per call), against `fma_peak.c` built for AVX-512 (FMAs only).
// Where a goal needs more of the FMA peak than these loops reach, no blocking
// or packing can meet it with this kind of kernel.
//
//   gcc -O3 -march=skylake-avx512 -mprefer-vector-width=512 -o /tmp/kernel_ceiling bench/kernel_ceiling.c
//   /tmp/kernel_ceiling        (one JSON line per tile shape: the best of 3 rounds)
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define KC 256
static float A[KC * 24] __attribute__((aligned(64)));
static float B[KC * 64] __attribute__((aligned(64)));
static float C[24 * 64] __attribute__((aligned(64)));

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// R rows x V vectors of 16 columns: R broadcasts of A and V loads of B per depth.
#define TILE(NAME, R, V)                                                              \
    __attribute__((noinline)) static void NAME(const float *a, const float *b, float *c) { \
        __m512 acc[R][V];                                                             \
        for (int i = 0; i < R; i++) for (int j = 0; j < V; j++) acc[i][j] = _mm512_setzero_ps(); \
        for (int k = 0; k < KC; k++) {                                                \
            __m512 bv[V];                                                             \
            for (int j = 0; j < V; j++) bv[j] = _mm512_loadu_ps(b + j * KC * 16 + k * 16); \
            _Pragma("GCC unroll 24") for (int i = 0; i < R; i++) {                    \
                __m512 s = _mm512_set1_ps(a[k * R + i]);                              \
                for (int j = 0; j < V; j++) acc[i][j] = _mm512_fmadd_ps(s, bv[j], acc[i][j]); \
            }                                                                         \
        }                                                                             \
        for (int i = 0; i < R; i++) for (int j = 0; j < V; j++) _mm512_storeu_ps(c + i * 64 + j * 16, acc[i][j]); \
    }

TILE(tile12x32, 12, 2)   // nnc's GEMM tile (microKernel12x32)
TILE(tile6x64, 6, 4)
TILE(tile8x48, 8, 3)
TILE(tile24x16, 24, 1)   // one use per broadcast: the compiler folds it into the FMA ({1to16})

int main(void) {
    for (int i = 0; i < KC * 24; i++) A[i] = 0.001f * (i % 7);
    for (int i = 0; i < KC * 64; i++) B[i] = 0.001f * (i % 5);
    void (*tiles[])(const float *, const float *, float *) = {tile12x32, tile6x64, tile8x48, tile24x16};
    const char *names[] = {"12x32", "6x64", "8x48", "24x16"};
    double best[4] = {0};
    for (int round = 0; round < 3; round++) {
        for (int t = 0; t < 4; t++) {
            const int calls = 200000;
            double start = now();
            for (int i = 0; i < calls; i++) tiles[t](A, B, C);
            double gflops = 2.0 * 24 * 16 * KC * calls / (now() - start) / 1e9;
            if (gflops > best[t]) best[t] = gflops;
        }
    }
    for (int t = 0; t < 4; t++)
        printf("{\"kind\": \"kernel_ceiling\", \"tile\": \"%s\", \"threads\": 1, \"gflops\": %.1f, \"sink\": %g}\n",
               names[t], best[t], C[5]);
    return 0;
}
