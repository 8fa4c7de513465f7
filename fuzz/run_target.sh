#!/usr/bin/env bash
# Runs one libFuzzer target from its seeds in fuzz/corpus/<target>, which it
# only reads: inputs it finds go to a scratch directory, dropped at the end.
# A crash, leak or timeout fails the run and leaves its input in ARTIFACTS
# (and, base64, on the output).
# Usage: run_target.sh BINARY SEEDS ARTIFACTS [libFuzzer flags...]
set -euo pipefail
binary=$1 seeds=$2 artifacts=$3
shift 3
scratch=$(mktemp -d)
marker=$(mktemp)
trap 'rm -rf "$scratch" "$marker"' EXIT
mkdir -p "$artifacts"
status=0
"$binary" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$scratch" "$seeds" ||
  status=$?
# A CI machine is gone after its run: print each input this run left, so the
# log alone reproduces it (base64 -d > input, then BINARY input).
find "$artifacts" -maxdepth 1 -type f -newer "$marker" | while read -r input; do
  size=$(stat -c %s "$input")
  if (( size <= 16384 )); then
    echo "run_target.sh: $input ($size bytes), base64: $(base64 -w 0 "$input")"
  else
    echo "run_target.sh: $input ($size bytes, too large to print)"
  fi
done
exit "$status"
