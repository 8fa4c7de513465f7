// Thin POSIX file helpers for the daemon's storage and the collectors'
// spool: every failure is a Status naming the path and the system's reason;
// running out of space (ENOSPC, EDQUOT, or EFBIG from a file size limit) is
// RESOURCE_EXHAUSTED, anything else UNAVAILABLE.
#ifndef SLAMON_COMMON_FILES_H_
#define SLAMON_COMMON_FILES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace slamon {

// Owns a file descriptor: closed when it goes out of scope unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// A status for errno `err` during `what` on `path`.
absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view path);

// Creates `dir` (and its parents) if missing and checks that it is a
// writable directory.
absl::Status EnsureWritableDir(const std::string& dir);

struct NumberedFile {
  uint64_t number;
  std::string name;
};
// Files named <prefix><decimal number><suffix> in `dir`, by number.
absl::StatusOr<std::vector<NumberedFile>> ListNumbered(const std::string& dir, absl::string_view prefix,
                                                       absl::string_view suffix);

absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
absl::StatusOr<uint64_t> FileSize(const std::string& path);
absl::Status TruncateFile(const std::string& path, uint64_t size);
absl::Status RemoveFile(const std::string& path);
// Creates (or empties) a file for writing; returns its descriptor.
absl::StatusOr<int> CreateFile(const std::string& path);
// `path` names the file in errors.
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view path);
absl::Status SyncFile(int fd, absl::string_view path);
// After a failed append: cuts the file back to `size` and moves the offset
// there, so that a retry does not follow a partial write. Best effort.
void CutBack(int fd, uint64_t size);
// Makes renames and new names in `dir` durable.
absl::Status SyncDir(const std::string& dir);
// Takes an exclusive lock on `dir` (a LOCK file in it) for as long as the
// returned descriptor stays open: two daemons on one data directory would
// interleave their logs.
absl::StatusOr<int> LockDir(const std::string& dir);
// Writes `data` to `path` so that a crash leaves the old file or the new
// one, never a mix: temporary file, fsync, rename, fsync of the directory.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view data);

}  // namespace slamon

#endif  // SLAMON_COMMON_FILES_H_
