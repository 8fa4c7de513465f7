// A small command-line parser shared by every slamon binary, so that all of
// them take "--name=value" and "--name value" alike and answer --help (and
// --version, given the line to print: common/build_info.h).
#ifndef SLAMON_COMMON_CLI_H_
#define SLAMON_COMMON_CLI_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace slamon {

class CommandLine {
 public:
  // `usage` is the first paragraph of --help, e.g. "slamond [flags]\n\n...".
  explicit CommandLine(std::string usage) : usage_(std::move(usage)) {}

  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddDouble(std::string name, double* target, std::string help);
  void AddBool(std::string name, bool* target, std::string help);
  void AddDuration(std::string name, absl::Duration* target, std::string help);
  // Accepts --version, which prints `line` (VersionLine's) and exits.
  void SetVersion(std::string line) { version_line_ = std::move(line); }

  // Parses argv. Arguments that are not flags are collected in positional().
  // Returns an error naming the bad flag. --help sets help_requested(),
  // --version (if set) version_requested().
  absl::Status Parse(int argc, const char* const* argv);

  bool help_requested() const { return help_requested_; }
  bool version_requested() const { return version_requested_; }
  const std::string& version_line() const { return version_line_; }
  const std::vector<std::string>& positional() const { return positional_; }
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<absl::Status(absl::string_view)> set;
  };
  void Add(Flag flag) { flags_.push_back(std::move(flag)); }

  std::string usage_;
  std::string version_line_;  // empty: no --version
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
  bool version_requested_ = false;
};

// The common shape of every main(): parse, print help, the version or the
// error, and say whether to go on. Returns the exit code to use when
// `*proceed` is false.
int ParseOrExit(CommandLine& cli, int argc, const char* const* argv, bool* proceed);

}  // namespace slamon

#endif  // SLAMON_COMMON_CLI_H_
