#include "tests/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace slamon::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "slamon-test-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  const std::string path = path_ + "/" + name;
  std::ofstream(path) << content;
  return path;
}

}  // namespace slamon::testing
