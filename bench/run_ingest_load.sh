#!/usr/bin/env bash
# Starts slamond on free loopback ports, runs slamon-ingest-load against it
# (arguments are passed on), and stops the daemon. Run from a release build.
# DATA_DIR=none measures the daemon without durability; by default its
# write-ahead log goes to a fresh directory on the same disk as $TMPDIR.
# SLAMOND=<path> runs another slamond build (to interleave two builds'
# runs: the machine's speed drifts by tens of percent within an hour).
set -euo pipefail
build=${BUILD:-build}
dir=$(mktemp -d)
"${SLAMOND:-$build/daemon/slamond}" --grpc-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
  --ports-file "$dir/ports.json" --log-level warn --data-dir "${DATA_DIR:-$dir/data}" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -s "$dir/ports.json" ] && break; sleep 0.1; done
grpc=$(sed -E 's/.*"grpc": "([^"]+)".*/\1/' "$dir/ports.json")
# slamond's CPU time (user + system, /proc/<pid>/stat, in clock ticks)
# around the load: steadier than events/s when the machine's speed drifts.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
before=$(cpu_ticks)
set +e
"$build/bench/slamon-ingest-load" --daemon "$grpc" "$@" | tee "$dir/load.log"
status=${PIPESTATUS[0]}
set -e
after=$(cpu_ticks)
events=$(sed -nE 's/^([0-9]+) events in .*/\1/p' "$dir/load.log")
if [ -n "$events" ]; then
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$events" \
    'BEGIN { printf "slamond CPU: %.2f s (user + system), %.0f ns per event\n", t / hz, t / hz / n * 1e9 }'
fi
exit "$status"
