// What a binary was built from, for --version, slamond's start line and
// slamon_build_info: the project's version and the source revision.
#ifndef SLAMON_COMMON_BUILD_INFO_H_
#define SLAMON_COMMON_BUILD_INFO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace slamon {

struct BuildInfo {
  absl::string_view version;   // the project's, e.g. "0.1.0"
  // `git describe --always --dirty --abbrev=12` of the source tree at the
  // build, e.g. "1fe2cb9a3c1d" or "1fe2cb9a3c1d-dirty"; "unknown" when the
  // sources were not a git checkout. Taken at every build, not only when
  // CMake configures, so that it follows commits.
  absl::string_view revision;
};

BuildInfo ThisBuild();  // generated at build time (common/build_info.cmake)

// "slamond 0.1.0 (revision 1fe2cb9a3c1d)": what --version prints.
std::string VersionLine(absl::string_view program);

}  // namespace slamon

#endif  // SLAMON_COMMON_BUILD_INFO_H_
