#include "common/cli.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "common/duration.h"

namespace slamon {

void CommandLine::AddString(std::string name, std::string* target, std::string help) {
  Add({std::move(name), std::move(help), *target, false, [target](absl::string_view v) {
         *target = std::string(v);
         return absl::OkStatus();
       }});
}

void CommandLine::AddInt(std::string name, int64_t* target, std::string help) {
  Add({std::move(name), std::move(help), absl::StrCat(*target), false, [target](absl::string_view v) {
         return absl::SimpleAtoi(v, target) ? absl::OkStatus()
                                            : absl::InvalidArgumentError("expected an integer");
       }});
}

void CommandLine::AddDouble(std::string name, double* target, std::string help) {
  Add({std::move(name), std::move(help), absl::StrCat(*target), false, [target](absl::string_view v) {
         return absl::SimpleAtod(v, target) ? absl::OkStatus()
                                            : absl::InvalidArgumentError("expected a number");
       }});
}

void CommandLine::AddBool(std::string name, bool* target, std::string help) {
  Add({std::move(name), std::move(help), *target ? "true" : "false", true,
       [target](absl::string_view v) {
         return absl::SimpleAtob(v, target) ? absl::OkStatus()
                                            : absl::InvalidArgumentError("expected true or false");
       }});
}

void CommandLine::AddDuration(std::string name, absl::Duration* target, std::string help) {
  Add({std::move(name), std::move(help), absl::FormatDuration(*target), false,
       [target](absl::string_view v) -> absl::Status {
         absl::StatusOr<absl::Duration> d = ParseHumanDuration(v);
         if (!d.ok()) return d.status();
         *target = *d;
         return absl::OkStatus();
       }});
}

absl::Status CommandLine::Parse(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg == "--version" && !version_line_.empty()) {
      version_requested_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional_.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    absl::string_view name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : flags_) {
      if (f.name == name) flag = &f;
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (absl::Status s = flag->set(value); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, "='", value, "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

std::string CommandLine::Help() const {
  std::string out = absl::StrCat(usage_, "\n\nFlags:\n");
  for (const Flag& f : flags_) {
    absl::StrAppend(&out, "  --", f.name, "\n      ", f.help);
    if (!f.default_text.empty()) absl::StrAppend(&out, " (default: ", f.default_text, ")");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "  --help\n      Show this help and exit.\n");
  if (!version_line_.empty()) absl::StrAppend(&out, "  --version\n      Show the version and exit.\n");
  return out;
}

int ParseOrExit(CommandLine& cli, int argc, const char* const* argv, bool* proceed) {
  *proceed = false;
  if (absl::Status s = cli.Parse(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(s.message()).c_str());
    return 2;
  }
  if (cli.help_requested()) {
    std::fputs(cli.Help().c_str(), stdout);
    return 0;
  }
  if (cli.version_requested()) {
    std::printf("%s\n", cli.version_line().c_str());
    return 0;
  }
  *proceed = true;
  return 0;
}

}  // namespace slamon
