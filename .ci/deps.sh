#!/usr/bin/env bash
# Installs what assistants-mock needs to build, run and test, on Debian 12 or
# Ubuntu (as root or with sudo). Idempotent: installs only what is missing.
#   .ci/deps.sh           build and run dependencies
#   .ci/deps.sh --test    also the test and benchmark tools, and the Twilio
#                         Node SDK for tests/sdk (npm ci there, no root)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc libc6-dev pkg-config meson ninja-build python3
      libmicrohttpd-dev libjson-c-dev libsqlite3-dev libgnutls28-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev wrk nginx-light procps util-linux
         curl openssl iproute2)
  # Node for tests/sdk: any node >= 14 will do (Debian 12's nodejs is 18), so
  # an existing node (e.g. NodeSource's, which bundles npm) is kept.
  if ! command -v node >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
  elif ! command -v npm >/dev/null 2>&1; then
    pkgs+=(npm)
  fi
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The pinned twilio-node of tests/sdk (package-lock.json), as the calling
# user: the install goes into tests/sdk/node_modules only.
if [ "${1:-}" = "--test" ]; then
  want=$(node -p 'require("./tests/sdk/package.json").dependencies.twilio')
  have=$(node -p 'require("./tests/sdk/node_modules/twilio/package.json").version' \
    2>/dev/null) || have=""
  if [ "$have" != "$want" ]; then
    echo "deps: npm ci in tests/sdk (twilio ${want})" >&2
    (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  # The pinned Twilio CLI of tests/cli, for the drop-in tests.
  want=$(node -p 'require("./tests/cli/package.json").dependencies["twilio-cli"]')
  have=$(node -p 'require("./tests/cli/node_modules/twilio-cli/package.json").version' \
    2>/dev/null) || have=""
  if [ "$have" != "$want" ]; then
    echo "deps: npm ci in tests/cli (twilio-cli ${want})" >&2
    (cd tests/cli && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
