#include "common/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace slamon {
ScopedFd::~ScopedFd() {
  if (fd_ >= 0) close(fd_);
}

absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view path) {
  // Not strerror: its buffer for an unknown errno is shared by all threads.
  std::string message = absl::StrCat(path, ": ", what, ": ", std::generic_category().message(err));
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

absl::Status EnsureWritableDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ErrnoStatus(ec.value(), "cannot create the data directory", dir);
  if (!std::filesystem::is_directory(dir, ec)) return absl::UnavailableError(absl::StrCat(dir, ": not a directory"));
  if (access(dir.c_str(), W_OK | X_OK) != 0) return ErrnoStatus(errno, "data directory is not writable", dir);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NumberedFile>> ListNumbered(const std::string& dir, absl::string_view prefix,
                                                       absl::string_view suffix) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "cannot list", dir);
  std::vector<NumberedFile> files;
  while (const dirent* entry = readdir(d)) {
    const absl::string_view name = entry->d_name;
    if (name.size() <= prefix.size() + suffix.size() || !absl::StartsWith(name, prefix) ||
        !absl::EndsWith(name, suffix)) {
      continue;
    }
    uint64_t number = 0;
    if (absl::SimpleAtoi(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()), &number)) {
      files.push_back({number, std::string(name)});
    }
  }
  closedir(d);
  std::sort(files.begin(), files.end(), [](const NumberedFile& a, const NumberedFile& b) { return a.number < b.number; });
  return files;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open", path);
  std::string data;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read", path);
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

absl::StatusOr<uint64_t> FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  return static_cast<uint64_t>(st.st_size);
}

absl::Status TruncateFile(const std::string& path, uint64_t size) {
  ScopedFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open", path);
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) return ErrnoStatus(errno, "cannot truncate", path);
  return SyncFile(fd.get(), path);
}

absl::Status RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "cannot remove", path);
  return absl::OkStatus();
}

absl::StatusOr<int> CreateFile(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  return fd;
}

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncFile(int fd, absl::string_view path) {
  if (fdatasync(fd) != 0) return ErrnoStatus(errno, "cannot sync", path);
  return absl::OkStatus();
}

void CutBack(int fd, uint64_t size) {
  (void)ftruncate(fd, static_cast<off_t>(size));
  (void)lseek(fd, static_cast<off_t>(size), SEEK_SET);
}

absl::Status SyncDir(const std::string& dir) {
  ScopedFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open", dir);
  if (fsync(fd.get()) != 0) return ErrnoStatus(errno, "cannot sync", dir);
  return absl::OkStatus();
}

absl::StatusOr<int> LockDir(const std::string& dir) {
  const std::string path = dir + "/LOCK";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoStatus(errno, "cannot create the lock file", path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(dir, ": in use by another slamond (", path, " is locked)"));
    }
    return ErrnoStatus(err, "cannot lock", path);
  }
  return fd;
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    SLAMON_ASSIGN_OR_RETURN(const int raw, CreateFile(tmp));
    ScopedFd fd(raw);
    absl::Status s = WriteAll(fd.get(), data, tmp);
    if (s.ok()) s = SyncFile(fd.get(), tmp);
    if (!s.ok()) {
      (void)RemoveFile(tmp);
      return s;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(errno, "cannot rename into place", path);
  return SyncDir(std::filesystem::path(path).parent_path().string());
}

}  // namespace slamon
