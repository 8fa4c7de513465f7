// Lets fmt/spdlog format absl::string_view, which Debian's Abseil defines as
// its own class rather than an alias of std::string_view.
#ifndef SLAMON_COMMON_FMT_ABSL_H_
#define SLAMON_COMMON_FMT_ABSL_H_

#include "absl/strings/string_view.h"
#include "fmt/format.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename Context>
  auto format(absl::string_view s, Context& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};

#endif  // SLAMON_COMMON_FMT_ABSL_H_
