#!/usr/bin/env bash
# Counts instructions under callgrind: unlike seconds, the figure is the same
# on a busy machine as on an idle one, so it can tell a 5 % change apart.
# Usage: bench/count_instructions.sh [N]           engine, per event
#        bench/count_instructions.sh --scrape [N]  scrape, per series
#        bench/count_instructions.sh --daemon [N]  slamond's ingest path, per event
# (--daemon: N events of slamon-ingest-load, default 200000, into a slamond
# with --data-dir none, or a fresh data dir when DURABLE=1; counted inside
# gRPC's completion callbacks: parse, conversion, engine, log record, acks.
# gRPC's transport, the ticks and the log writer's thread are not counted.)
# The first counts BM_EngineSteadyState/fixed (10k queue keys, 100k open
# contacts, 2 shards) over exactly N batches of 99 events (default 1500);
# the second Scrape/Total/fixed (10k queue keys, snapshot and render into the
# previous scrape's snapshot and page) over exactly N scrapes (default 3).
# Two builds are so compared on the same work. Run from a release build
# (BUILD=build); takes about a minute.
set -euo pipefail
build=${BUILD:-build}
if [ "${1:-}" = --daemon ]; then
  events=${2:-200000}
  out=$(mktemp -d)
  daemon=
  trap 'if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null; fi; rm -rf "$out"' EXIT
  data=none
  [ "${DURABLE:-0}" = 1 ] && data="$out/data"
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    --toggle-collect='grpc::internal::CallbackWithSuccessTag::StaticRun*' \
    "$build/daemon/slamond" --grpc-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    --ports-file "$out/ports.json" --log-level warn --data-dir "$data" > "$out/valgrind.log" 2>&1 &
  daemon=$!
  for _ in $(seq 600); do [ -s "$out/ports.json" ] && break; sleep 0.1; done
  grpc=$(sed -E 's/.*"grpc": "([^"]+)".*/\1/' "$out/ports.json")
  "$build/bench/slamon-ingest-load" --daemon "$grpc" --events "$events" > "$out/load.log" 2>&1
  kill -TERM "$daemon"
  wait "$daemon" || true
  daemon=
  instructions=$(sed -nE 's/^(totals|summary): ([0-9]+).*/\2/p' "$out/callgrind.out" | head -1)
  if [ -z "$instructions" ] || ! grep -q "$events accepted" "$out/load.log"; then
    echo "count_instructions: no figures (see $out)" >&2
    trap - EXIT
    exit 1
  fi
  awk -v i="$instructions" -v n="$events" -v d="$data" \
    'BEGIN { printf "slamond ingest path (data dir %s): %.0f instructions per event (%d instructions, %d events)\n", d == "none" ? "none" : "fresh", i / n, i, n }'
  exit 0
fi
if [ "${1:-}" = --scrape ]; then
  shift
  filter='Scrape/Total/fixed' counter='timed_series' unit='series' units='series' runs=${1:-3}
else
  filter='BM_EngineSteadyState/fixed' counter='timed_events' unit='event' units='events' runs=${1:-1500}
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SLAMON_BENCH_ITERATIONS=$runs valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/callgrind.out" \
  "$build/bench/engine_bench" --benchmark_filter="^$filter" --benchmark_format=json \
  > "$out/bench.json" 2> "$out/valgrind.log"
items=$(sed -nE "s/.*\"$counter\": ([0-9.e+]+).*/\\1/p" "$out/bench.json" | tail -1)
# The benchmark dumps once per run of its timed loop: one run here, dump 1.
instructions=$(sed -nE 's/^totals: ([0-9]+).*/\1/p' "$out/callgrind.out.1" 2>/dev/null || true)
if [ -z "$items" ] || [ -z "$instructions" ]; then
  echo "count_instructions: no figures (is valgrind installed? see $out)" >&2
  exit 1
fi
awk -v i="$instructions" -v n="$items" -v f="$filter" -v u="$unit" -v us="$units" \
  'BEGIN { printf "%s: %.0f instructions per %s (%d instructions, %d timed %s)\n", f, i / n, u, i, n, us }'
