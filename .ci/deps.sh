#!/usr/bin/env bash
# Installs what assistants-mock needs to build, run and test, on Debian 12 or
# Ubuntu (as root or with sudo). Idempotent: installs only what is missing.
#   .ci/deps.sh           build and run dependencies
#   .ci/deps.sh --test    also the test and benchmark tools
set -euo pipefail

pkgs=(gcc libc6-dev pkg-config meson ninja-build python3
      libmicrohttpd-dev libjson-c-dev libsqlite3-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev wrk nginx-light procps util-linux)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
