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

# The pinned npm packages of the tests (package-lock.json), as the calling
# user: each install goes into that directory's node_modules only.
#   npm_pinned DIR PACKAGE: npm ci in DIR unless PACKAGE is there at the
#   version DIR/package.json pins.
npm_pinned() {
  local want have
  want=$(node -p "require('./$1/package.json').dependencies['$2']")
  have=$(node -p "require('./$1/node_modules/$2/package.json').version" \
    2>/dev/null) || have=""
  if [ "$have" != "$want" ]; then
    echo "deps: npm ci in $1 ($2 ${want})" >&2
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
if [ "${1:-}" = "--test" ]; then
  npm_pinned tests/sdk twilio       # twilio-node 5.13.1 (tests/sdk)
  npm_pinned tests/cli twilio-cli   # the Twilio CLI, for the drop-in tests
fi
