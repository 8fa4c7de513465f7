// Early-return helpers for absl::Status / absl::StatusOr code paths.
#ifndef SLAMON_COMMON_STATUS_MACROS_H_
#define SLAMON_COMMON_STATUS_MACROS_H_

#include <utility>

#define SLAMON_STATUS_CONCAT_INNER(a, b) a##b
#define SLAMON_STATUS_CONCAT(a, b) SLAMON_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status if not ok,
// otherwise moves the value into `lhs`.
#define SLAMON_ASSIGN_OR_RETURN(lhs, expr) \
  SLAMON_ASSIGN_OR_RETURN_IMPL(SLAMON_STATUS_CONCAT(status_or_, __LINE__), lhs, expr)
#define SLAMON_ASSIGN_OR_RETURN_IMPL(var, lhs, expr) \
  auto var = (expr);                                 \
  if (!var.ok()) return var.status();                \
  lhs = *std::move(var)

#define SLAMON_RETURN_IF_ERROR(expr)                                           \
  do {                                                                         \
    if (absl::Status slamon_status = (expr); !slamon_status.ok()) return slamon_status; \
  } while (false)

#endif  // SLAMON_COMMON_STATUS_MACROS_H_
