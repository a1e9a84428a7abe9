/* bench/fma_peak.c: the fp32 FMA throughput of each core, as ../shared/peers/fma_peak.c
   means to measure it, with chains a compiler cannot merge.

   Why not the shared file: its ten chains start equal and take the same update, so GCC 12
   at -O2 proves them equal and keeps ONE chain (`objdump -d` shows one vfmadd in the loop).
   A single chain runs at the FMA latency, one FMA per 4 cycles, and the program counts ten:
   it prints 10/4 = 2.5 FMAs per cycle, 1.25x a two-pipe core's real 2 (and 2.5x a core that
   does one 512-bit FMA per cycle, Zen 4's double-pumped pipes). Here every chain starts at a
   different value and an empty asm statement after each round of ten FMAs tells the compiler
   it may have changed all of them, so ten chains reach the hardware.

   Build: gcc -O2 -mavx2 -mfma bench/fma_peak.c -o fma_peak -lpthread          (ymm, 8 lanes)
          gcc -O2 -mavx512f bench/fma_peak.c -o fma_peak512 -lpthread          (zmm, 16 lanes)
   Run:   ./fma_peak [threads] [seconds]
   Each thread runs 10 independent FMA chains (latency 4 x 2 pipes needs 8), pinned to CPU i.
   Prints one JSON line: kind fma_peak (ymm) or fma_peak512 (zmm). */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define KIND "fma_peak512"
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#else
typedef __m256 vec;
#define LANES 8
#define KIND "fma_peak"
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#endif

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static double secs = 1.0;
typedef struct { int cpu; double gflops; float sink; } arg_t;

static void *worker(void *p) {
  arg_t *a = (arg_t *)p;
  cpu_set_t s; CPU_ZERO(&s); CPU_SET(a->cpu, &s); sched_setaffinity(0, sizeof s, &s);
  vec x0 = SET1(1.0f), x1 = SET1(1.1f), x2 = SET1(1.2f), x3 = SET1(1.3f), x4 = SET1(1.4f),
      x5 = SET1(1.5f), x6 = SET1(1.6f), x7 = SET1(1.7f), x8 = SET1(1.8f), x9 = SET1(1.9f);
  const vec m = SET1(0.999999f), c = SET1(1e-7f);
  long iters = 0; double t0 = now(), t;
  do {
    for (int k = 0; k < 100000; k++) {
      x0 = FMA(x0, m, c); x1 = FMA(x1, m, c); x2 = FMA(x2, m, c); x3 = FMA(x3, m, c);
      x4 = FMA(x4, m, c); x5 = FMA(x5, m, c); x6 = FMA(x6, m, c); x7 = FMA(x7, m, c);
      x8 = FMA(x8, m, c); x9 = FMA(x9, m, c);
      __asm__ volatile("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3), "+x"(x4),
                            "+x"(x5), "+x"(x6), "+x"(x7), "+x"(x8), "+x"(x9));
    }
    iters += 100000; t = now();
  } while (t - t0 < secs);
  vec s0 = ADD(ADD(ADD(x0, x1), ADD(x2, x3)), ADD(ADD(x4, x5), ADD(ADD(x6, x7), ADD(x8, x9))));
  float out[LANES]; STORE(out, s0); a->sink = out[0];
  a->gflops = iters * 10.0 * LANES * 2 / (t - t0) / 1e9;
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  if (n < 1 || n > 64) { fprintf(stderr, "threads: 1 to 64\n"); return 2; }
  if (argc > 2) secs = atof(argv[2]);
  pthread_t th[64]; arg_t a[64];
  for (int i = 0; i < n; i++) { a[i].cpu = i; pthread_create(&th[i], NULL, worker, &a[i]); }
  double tot = 0;
  for (int i = 0; i < n; i++) { pthread_join(th[i], NULL); tot += a[i].gflops; }
  /* implied_ghz: the clock at which this rate is two full-width FMAs per cycle. */
  printf("{\"kind\": \"%s\", \"threads\": %d, \"gflops\": %.2f, \"gflops_per_thread\": %.2f, \"implied_ghz\": %.3f, \"sink\": %g}\n",
         KIND, n, tot, tot / n, tot / n / (4.0 * LANES), a[0].sink);
  return 0;
}
