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
"$build/bench/slamon-ingest-load" --daemon "$grpc" "$@"
