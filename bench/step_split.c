// What splitting a batch-1 recurrent step over two cores can gain on this host,
// outside nnc: the LSTM's per-step product h(t)[1, H] · W_hᵀ[H, 4H] (W in
// 16-column slivers, four at a time, as nnc's gemmFewRowsPacked) and a cell pass
// that writes h(t+1), for T steps. One thread does all columns; two threads
// each own half the slivers of every step (static parts, no tickets) and meet
// at a barrier after the product and after the cell (one thread's pass here),
// so h(t+1) crosses between the cores every step, as in nnc.
//
//   gcc -O2 -mavx512f -mfma -pthread -o /tmp/step_split bench/step_split.c
//   /tmp/step_split 128 20000     (H = 128: W 256 KB, the lstm workload's)
//   /tmp/step_split 256 5000      (H = 256: W 1 MB)
// Prints one line per round (3 rounds): µs per step at 1 and 2 threads.
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }

static int H, G, STEPS;   // hidden units, gate columns (4H), steps
static float *W, *h, *gates;   // W: [G/16 slivers][H][16]

// gates[s·16 ..< e·16] = h · W for slivers s..<e, four slivers (four zmm sums) at a time.
static void product(int s, int e) {
    for (; s < e; s += 4) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        const float *b = W + (long)s * H * 16;
        for (int k = 0; k < H; k++, b += 16) {
            __m512 x = _mm512_set1_ps(h[k]);
            a0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b), a0);
            a1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + H * 16), a1);
            a2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + 2 * H * 16), a2);
            a3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + 3 * H * 16), a3);
        }
        _mm512_storeu_ps(gates + s * 16, a0);
        _mm512_storeu_ps(gates + s * 16 + 16, a1);
        _mm512_storeu_ps(gates + s * 16 + 32, a2);
        _mm512_storeu_ps(gates + s * 16 + 48, a3);
    }
}

// A stand-in for the cell: h(t+1) from the four gates of each unit (kept bounded).
static void cell(void) {
    for (int u = 0; u < H; u++) h[u] = 1e-3f * (gates[u] + gates[H + u] + gates[2 * H + u] + gates[3 * H + u]);
}

static _Alignas(64) atomic_long done[2][16];   // each thread's barrier count, on its own line

static void wait_for(int other, long count) {
    while (atomic_load_explicit(&done[other][0], memory_order_acquire) < count) {}
}

static void *part(void *arg) {
    int me = (int)(long)arg, other = 1 - me, slivers = G / 16;
    for (long t = 0; t < STEPS; t++) {
        product(me ? slivers / 2 : 0, me ? slivers : slivers / 2);
        atomic_store_explicit(&done[me][0], 2 * t + 1, memory_order_release);
        wait_for(other, 2 * t + 1);
        if (me == 0) cell();
        atomic_store_explicit(&done[me][0], 2 * t + 2, memory_order_release);
        wait_for(other, 2 * t + 2);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: step_split H STEPS\n"); return 2; }
    H = atoi(argv[1]); STEPS = atoi(argv[2]); G = 4 * H;
    if (H < 32 || H % 32 != 0 || STEPS < 1) { fprintf(stderr, "H: a multiple of 32; STEPS >= 1\n"); return 2; }
    W = aligned_alloc(64, (size_t)H * G * sizeof(float));
    h = aligned_alloc(64, (size_t)H * sizeof(float));
    gates = aligned_alloc(64, (size_t)G * sizeof(float));
    for (long i = 0; i < (long)H * G; i++) W[i] = 1e-3f * (float)(i % 7);
    for (int i = 0; i < H; i++) h[i] = 1;
    for (int round = 0; round < 3; round++) {
        long t0 = now();
        for (int t = 0; t < STEPS; t++) { product(0, G / 16); cell(); }
        long one = now() - t0;
        atomic_store(&done[0][0], 0); atomic_store(&done[1][0], 0);
        pthread_t worker;
        t0 = now();
        pthread_create(&worker, NULL, part, (void *)1L);
        part(NULL);
        pthread_join(worker, NULL);
        long two = now() - t0;
        printf("{\"hidden\": %d, \"weights_kb\": %ld, \"us_per_step_1t\": %.2f, \"us_per_step_2t\": %.2f, \"speedup\": %.2f}\n",
               H, (long)H * G * 4 / 1024, one / 1e3 / STEPS, two / 1e3 / STEPS, (double)one / two);
    }
    return 0;
}
