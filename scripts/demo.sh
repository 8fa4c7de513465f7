#!/usr/bin/env bash
# Builds slamon and runs the demo: slamond on its built-in defaults, fed by
# the Erlang-A simulator (one hour of backfill, then real time). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j2 --target slamond slamon-simulator

ports=$(mktemp -d)/ports.json
build/daemon/slamond --ports-file "$ports" &
daemon=$!
trap 'kill $daemon ${simulator:-} 2>/dev/null; wait' EXIT INT TERM
for _ in $(seq 100); do [ -s "$ports" ] && break; sleep 0.1; done
[ -s "$ports" ] || { echo "slamond did not start" >&2; exit 1; }
grpc=$(sed -E 's/.*"grpc": "([^"]+)".*/\1/' "$ports")
metrics=$(sed -E 's/.*"metrics": "([^"]+)".*/\1/' "$ports")
build/collectors/simulator/slamon-simulator --daemon "$grpc" --backfill 1h --speed 0 &
simulator=$!
echo
echo "slamon demo running: live SLA figures at http://$metrics/metrics  (Ctrl-C stops)"
echo "  e.g.  curl -s http://$metrics/metrics | grep -E '^slamon_(service_level_ratio|contacts_waiting)'"
echo
wait $daemon
