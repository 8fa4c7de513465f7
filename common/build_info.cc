#include "common/build_info.h"

#include "absl/strings/str_cat.h"

namespace slamon {

std::string VersionLine(absl::string_view program) {
  const BuildInfo build = ThisBuild();
  return absl::StrCat(program, " ", build.version, " (revision ", build.revision, ")");
}

}  // namespace slamon
