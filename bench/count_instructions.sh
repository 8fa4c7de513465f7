#!/usr/bin/env bash
# Counts the instructions the engine executes per event in the steady-state
# benchmark, under callgrind: unlike ns/event, the figure is the same on a
# busy machine as on an idle one, so it can tell a 5 % change apart.
# Usage: bench/count_instructions.sh [batches]
# Counts BM_EngineSteadyState/fixed (10k queue keys, 100k open contacts, 2
# shards) over exactly that many batches of 99 events (default 1500), so two
# builds are compared on the same work. Run from a release build
# (BUILD=build); takes about a minute.
set -euo pipefail
build=${BUILD:-build}
batches=${1:-1500}
filter='BM_EngineSteadyState/fixed'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SLAMON_BENCH_ITERATIONS=$batches valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/callgrind.out" \
  "$build/bench/engine_bench" --benchmark_filter="$filter" --benchmark_format=json \
  > "$out/bench.json" 2> "$out/valgrind.log"
events=$(sed -nE 's/.*"timed_events": ([0-9.e+]+).*/\1/p' "$out/bench.json" | tail -1)
# The benchmark dumps once per run of its timed loop: one run here, dump 1.
instructions=$(sed -nE 's/^totals: ([0-9]+).*/\1/p' "$out/callgrind.out.1" 2>/dev/null || true)
if [ -z "$events" ] || [ -z "$instructions" ]; then
  echo "count_instructions: no figures (is valgrind installed? see $out)" >&2
  exit 1
fi
awk -v i="$instructions" -v e="$events" -v f="$filter" \
  'BEGIN { printf "%s: %.0f instructions per event (%d instructions, %d timed events)\n", f, i / e, i, e }'
