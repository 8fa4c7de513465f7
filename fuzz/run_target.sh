#!/usr/bin/env bash
# Runs one libFuzzer target from its seeds in fuzz/corpus/<target>, which it
# only reads: inputs it finds go to a scratch directory, dropped at the end.
# A crash, leak or timeout fails the run and leaves its input in ARTIFACTS.
# Usage: run_target.sh BINARY SEEDS ARTIFACTS [libFuzzer flags...]
set -euo pipefail
binary=$1 seeds=$2 artifacts=$3
shift 3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
"$binary" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$scratch" "$seeds"
