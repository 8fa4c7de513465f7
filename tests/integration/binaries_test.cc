// The binaries as an operator meets them: --help, --version, and the
// errors of a start that cannot go on.
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/phone_policy.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

TEST(BinariesTest, EveryBinaryAnswersHelp) {
  for (const char* binary :
       {"daemon/slamond", "collectors/replay/slamon-replay", "collectors/simulator/slamon-simulator"}) {
    const testing::RunResult r = testing::Run({testing::BinaryPath(binary), "--help"});
    EXPECT_EQ(r.exit_code, 0) << binary;
    EXPECT_THAT(r.output, HasSubstr("Flags:")) << binary;
  }
}

// The version CMakeLists.txt declares (project(slamon VERSION x.y.z ...)).
std::string ProjectVersion() {
  std::ifstream in(testing::SourcePath("CMakeLists.txt"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch m;
  return std::regex_search(text, m, std::regex(R"(project\(slamon VERSION ([0-9.]+))")) ? m[1].str() : "";
}

// The source tree's commit as `git describe --always --abbrev=12` names it,
// or "" when the sources are not a git checkout.
std::string SourceCommit() {
  const testing::RunResult r =
      testing::Run({"git", "-C", testing::SourcePath(""), "describe", "--always", "--abbrev=12"});
  if (r.exit_code != 0) return "";
  return std::string(absl::StripSuffix(r.output, "\n"));
}

TEST(BinariesTest, EveryBinaryNamesItsVersionAndRevision) {
  const std::string version = ProjectVersion();
  ASSERT_FALSE(version.empty());
  const std::string commit = SourceCommit();
  std::string slamond_revision;
  for (const auto& [binary, name] : std::vector<std::pair<std::string, std::string>>{
           {"daemon/slamond", "slamond"},
           {"collectors/replay/slamon-replay", "slamon-replay"},
           {"collectors/simulator/slamon-simulator", "slamon-simulator"},
           {"ctl/slamonctl", "slamonctl"}}) {
    const testing::RunResult r = testing::Run({testing::BinaryPath(binary), "--version"});
    EXPECT_EQ(r.exit_code, 0) << binary;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(r.output, m, std::regex(absl::StrCat("^", name, " ", version,
                                                                      R"( \(revision ([^)]+)\)\n$)"))))
        << r.output;
    const std::string revision = m[1].str();
    // The commit built from; "-dirty" if the tree had uncommitted changes
    // then (a developer's build), which CI's clean clone never has.
    if (commit.empty()) {
      EXPECT_EQ(revision, "unknown") << binary;
    } else {
      EXPECT_TRUE(revision == commit || revision == commit + "-dirty") << binary << ": " << revision;
    }
    if (name == "slamond") slamond_revision = revision;
  }
  Daemon daemon(kPhoneConfig);
  EXPECT_EQ(Sample(ParseMetrics(daemon.Scrape()), absl::StrCat(R"(slamon_build_info{revision=")", slamond_revision,
                                                               R"(",version=")", version, R"("})")),
            1);
  EXPECT_THAT(daemon.Log(), HasSubstr(absl::StrCat("slamond ", version, " (revision ", slamond_revision,
                                                   ") started with ")));
}

TEST(BinariesTest, BusyPortsAreNamedAndExitNonZero) {
  Daemon first(kPhoneConfig);
  testing::TempDir state;
  for (const auto& [flag, address] : {std::pair{"--grpc-listen", first.grpc_address()},
                                      std::pair{"--metrics-listen", first.metrics_address()}}) {
    std::vector<std::string> argv = {testing::BinaryPath("daemon/slamond"), "--grpc-listen", "127.0.0.1:0",
                                     "--metrics-listen", "127.0.0.1:0", "--data-dir", state.path(), flag, address};
    const testing::RunResult r = testing::Run(argv, 20);
    EXPECT_EQ(r.exit_code, 1) << flag << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(address)) << flag;
  }
}

TEST(BinariesTest, SecondDaemonOnTheSameDataDirIsRefused) {
  testing::TempDir state;
  Daemon first(kPhoneConfig, state.path());
  const testing::RunResult r = testing::Run({testing::BinaryPath("daemon/slamond"), "--grpc-listen", "127.0.0.1:0",
                                             "--metrics-listen", "127.0.0.1:0", "--data-dir", state.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat("cannot open the data directory (--data-dir, data_dir): ", state.path(),
                                               ": in use by another slamond (", state.path(), "/LOCK is locked)")));
}

TEST(BinariesTest, BadConfigNamesFileLineAndKey) {
  testing::TempDir dir;
  const std::string path =
      dir.Write("bad.yaml", "policies:\n  - name: p\n    objectives:\n      answer: { threshold: soon }\n");
  const testing::RunResult r = testing::Run({testing::BinaryPath("daemon/slamond"), "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(path + ":4: policies[0].objectives.answer.threshold: invalid duration 'soon'"));
}

}  // namespace
}  // namespace slamon
