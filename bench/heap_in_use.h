// Heap memory in use, as the memory benchmarks measure it.
#ifndef SLAMON_BENCH_HEAP_IN_USE_H_
#define SLAMON_BENCH_HEAP_IN_USE_H_

#include <malloc.h>

#include <cstddef>

namespace slamon::bench {

// glibc serves blocks over its mmap threshold (the big hash tables) with
// mmap, counted in hblkhd rather than uordblks: both count.
inline size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

}  // namespace slamon::bench

#endif  // SLAMON_BENCH_HEAP_IN_USE_H_
