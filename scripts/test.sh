#!/usr/bin/env bash
# Builds slamon and runs every test: once in a release build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the engine's concurrency
# tests under ThreadSanitizer. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

jobs=2  # the project's machines have 2 cores

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLAMON_SANITIZE=address -DSLAMON_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== TSan (engine)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLAMON_SANITIZE=thread -DSLAMON_BUILD_BENCH=OFF
cmake --build build-tsan -j"$jobs" --target engine_test
build-tsan/tests/engine_test
