// slamonctl: the operator's command line for a running slamond (live status,
// reports, breaches as they happen) and for config files.
#include "ctl/cli.h"

int main(int argc, char** argv) { return slamon::ctl::RunCommandLine(argc, argv); }
