#!/usr/bin/env bash
# Installs every Debian package that slamon's build, tests and demo need.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  prometheus-cpp-dev civetweb libcivetweb-dev
  libspdlog-dev libfmt-dev libboost-dev libboost-system-dev libyaml-cpp-dev libabsl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  tzdata curl prometheus prometheus-alertmanager util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
