#!/usr/bin/env bash
# Builds slamon and runs the demo (scripts/demo_run.sh): slamond on its
# built-in defaults, fed by the Erlang-A simulator (one hour of backfill, then
# real time). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j2 --target slamond slamon-simulator slamonctl
exec scripts/demo_run.sh build
