// A fresh temporary directory for a test, removed with everything in it at
// destruction. Kept apart from the integration harness so that unit tests
// (and their ThreadSanitizer builds) need neither gRPC nor Boost.
#ifndef SLAMON_TESTS_TEMP_DIR_H_
#define SLAMON_TESTS_TEMP_DIR_H_

#include <string>

namespace slamon::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to the file `name` in the directory; returns its path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace slamon::testing

#endif  // SLAMON_TESTS_TEMP_DIR_H_
