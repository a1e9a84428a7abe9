#define _GNU_SOURCE
#include <stddef.h>
#include <stdatomic.h>
#include <errno.h>
#include "MallocCounter.h"

#if defined(__linux__) && defined(__GLIBC__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_long allocations = 0;
static atomic_int counting = 0;

static inline void count(void) {
    if (atomic_load_explicit(&counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    }
}

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void nnc_malloc_counting_start(void) {
    atomic_store(&allocations, 0);
    atomic_store(&counting, 1);
}

long nnc_malloc_counting_stop(void) {
    atomic_store(&counting, 0);
    return atomic_load(&allocations);
}
#else
// Elsewhere the allocator is not interposed: report -1 (the test skips).
void nnc_malloc_counting_start(void) {}
long nnc_malloc_counting_stop(void) { return -1; }
#endif
