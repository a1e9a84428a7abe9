// Counts heap allocations made by any code in the test process while
// counting is on: malloc and friends are interposed and forwarded to glibc.
// Used to show that a training step allocates nothing.
#ifndef NNC_MALLOC_COUNTER_H
#define NNC_MALLOC_COUNTER_H

void nnc_malloc_counting_start(void);
/// Stops counting; returns the allocations made since the start.
long nnc_malloc_counting_stop(void);

#endif
