// Invariant checks that stay on in release builds: an impossible state
// crashes loudly instead of limping on with corrupt SLA figures.
#ifndef SLAMON_COMMON_CHECK_H_
#define SLAMON_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define SLAMON_CHECK(cond)                                                  \
  do {                                                                      \
    if (!(cond)) [[unlikely]] {                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (false)

#endif  // SLAMON_COMMON_CHECK_H_
