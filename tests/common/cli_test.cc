#include "common/cli.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CommandLineTest, VersionIsAFlagOnlyWhereALineWasGiven) {
  const char* argv[] = {"tool", "--name", "x", "--version"};
  std::string name;
  CommandLine plain("tool [flags]");
  plain.AddString("name", &name, "a name");
  EXPECT_EQ(plain.Parse(4, argv).message(), "unknown flag --version (see --help)");
  EXPECT_THAT(plain.Help(), Not(HasSubstr("--version")));

  CommandLine versioned("tool [flags]");
  versioned.AddString("name", &name, "a name");
  versioned.SetVersion("tool 1.2.3 (revision 0123456789ab)");
  ASSERT_TRUE(versioned.Parse(4, argv).ok());
  EXPECT_TRUE(versioned.version_requested());
  EXPECT_FALSE(versioned.help_requested());
  EXPECT_EQ(name, "x");
  EXPECT_EQ(versioned.version_line(), "tool 1.2.3 (revision 0123456789ab)");
  EXPECT_THAT(versioned.Help(), HasSubstr("  --help\n      Show this help and exit.\n"
                                          "  --version\n      Show the version and exit.\n"));
}

}  // namespace
}  // namespace slamon
