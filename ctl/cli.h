// slamonctl's command line: the overview, then one command and its flags.
#ifndef SLAMON_CTL_CLI_H_
#define SLAMON_CTL_CLI_H_

namespace slamon::ctl {

// Parses argv (a command and its flags), runs the command and returns the
// exit code (commands.h).
int RunCommandLine(int argc, const char* const* argv);

}  // namespace slamon::ctl

#endif  // SLAMON_CTL_CLI_H_
