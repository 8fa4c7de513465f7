#!/usr/bin/env bash
# Builds slamon and runs every test: once in a release build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, the engine's and the
# storage layer's tests (shards, group commit, snapshots) under
# ThreadSanitizer, and the fuzz targets (clang, libFuzzer) for a fixed
# number of inputs each. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

jobs=2  # the project's machines have 2 cores
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_ctest() {
  ctest --no-label-summary --output-on-failure -j"$jobs" "$@" | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
run_ctest --test-dir build

echo "== ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLAMON_SANITIZE=address -DSLAMON_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
# The alerting end-to-end test checks Prometheus and Alertmanager, not our
# memory, and takes eight minutes: the release stage runs it.
run_ctest --test-dir build-asan -LE alerting_test

# Not query_test: Debian's gRPC is not built with TSan, so the hand-offs of
# its completion queues are invisible to it and every reactor callback of an
# in-process server reports a race. The Query service's watches (one mutex
# each, lifetimes by shared_ptr) run under ASan above.
echo "== TSan (engine, ingest, storage, export)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLAMON_SANITIZE=thread -DSLAMON_BUILD_BENCH=OFF
cmake --build build-tsan -j"$jobs" --target engine_test ingest_test storage_test export_test
run_ctest --test-dir build-tsan -L 'engine_test|ingest_test|storage_test|export_test'

# What collectors, operators and exported files hand the daemon, as bytes a
# fuzzer writes: fuzz/README.md.
echo "== fuzz (libFuzzer, ASan + UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DSLAMON_FUZZ=ON \
  -DSLAMON_BUILD_BENCH=OFF
cmake --build build-fuzz -j"$jobs" --target fuzzers
run_ctest --test-dir build-fuzz -L fuzz

total=$(awk '/tests passed, 0 tests failed out of/ {sum += $NF} END {print sum}' "$log")
echo "all stages: $total passed, 0 failed"
