#!/usr/bin/env bash
# Runs the demo from built binaries: slamond on its built-in defaults (state
# in ./data of the current directory), fed by the Erlang-A simulator (one hour
# of backfill, then real time). Ctrl-C (SIGINT) or SIGTERM stops both.
# Usage: scripts/demo_run.sh BUILD_DIR [SLAMOND_FLAG ...]
# (scripts/demo.sh builds, then runs this; the test passes port-0 listen flags)
set -euo pipefail
usage="usage: $0 BUILD_DIR [SLAMOND_FLAG ...]
runs the demo from a build of slamond, slamon-simulator and slamonctl"
[ "${1:-}" = --help ] && { echo "$usage"; exit 0; }
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
build=${1%/}
shift
tmp=$(mktemp -d)
daemon='' simulator=''
stop() {
  # The simulator first, so that slamond takes what it has in flight.
  if [ -n "$simulator" ]; then kill -TERM "$simulator" 2>/dev/null || true; wait "$simulator" 2>/dev/null || true; fi
  if [ -n "$daemon" ]; then kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 0' INT TERM

"$build/daemon/slamond" --ports-file "$tmp/ports.json" "$@" &
daemon=$!
for _ in $(seq 300); do
  [ -s "$tmp/ports.json" ] && break
  kill -0 "$daemon" 2>/dev/null || break  # it exited: its log above says why
  sleep 0.1
done
[ -s "$tmp/ports.json" ] || { echo "slamond did not start" >&2; exit 1; }
grpc=$(sed -E 's/.*"grpc": "([^"]+)".*/\1/' "$tmp/ports.json")
metrics=$(sed -E 's/.*"metrics": "([^"]+)".*/\1/' "$tmp/ports.json")

# Waits still open in the state of an earlier run belong to a simulator that
# is gone: their end events will never come. End them as an operator would,
# before this run's simulator backfills waits that began in the past too.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ctl=("$build/ctl/slamonctl" end-waits --daemon "$grpc" --started-before "$now")
left=$("${ctl[@]}" --dry-run | tail -n 1)
if [ "${left%% *}" != 0 ]; then
  echo "an earlier demo run left waits open; ending them (slamonctl end-waits):"
  "${ctl[@]}" | tail -n 1
fi

"$build/collectors/simulator/slamon-simulator" --daemon "$grpc" --backfill 1h --speed 0 &
simulator=$!
echo
echo "slamon demo running: live SLA figures at http://$metrics/metrics  (Ctrl-C stops)"
echo "  e.g.  curl -s http://$metrics/metrics | grep -E '^slamon_(service_level_ratio|contacts_waiting)'"
echo "  collectors publish to $grpc (gRPC), e.g. $build/collectors/replay/slamon-replay --daemon $grpc FILE"
echo
wait "$daemon"
