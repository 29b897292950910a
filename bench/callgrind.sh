#!/usr/bin/env bash
# bench/callgrind.sh: instructions per request of one request, repeated, on
# one keep-alive connection, under valgrind --tool=callgrind (issue 11).
#
#   bench/callgrind.sh BINARY URL_PATH [AUTH_USER:SECRET] [-- SERVER_ARGS...]
#
# Runs the server (--threads 1, the bundled fixtures unless SERVER_ARGS say
# otherwise) twice under callgrind, answering 200 and then 1200 requests of
# URL_PATH, and prints "instructions per request: N" from the difference of
# the two totals (so start-up and shutdown cancel out). The access log is on
# (to /dev/null) unless SERVER_ARGS has --quiet.
#
# SPDX-License-Identifier: MIT
set -euo pipefail
BIN=${1:?binary}; PATHQ=${2:?path}; CRED=${3:-ACa11ce000000000000000000000000001:alice-auth-token}
shift 3 2>/dev/null || shift $#
[ "${1:-}" = -- ] && shift
ARGS=("$@")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() {
    local n=$1 port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$n" \
        "$BIN" --threads 1 --port "$port" "${ARGS[@]}" >/dev/null 2>"$TMP/vg.$n" &
    local pid=$!
    python3 - "$port" "$n" "$PATHQ" "$CRED" <<'PY'
import base64, http.client, sys, time
port, n, path, cred = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
auth = "Basic " + base64.b64encode(cred.encode()).decode()
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/healthz"); c.getresponse().read(); break
    except OSError:
        time.sleep(0.1)
for _ in range(n):
    c.request("GET", path, headers={"Authorization": auth})
    r = c.getresponse(); r.read()
    if r.status >= 500: sys.exit("status %d" % r.status)
PY
    kill -TERM "$pid"; wait "$pid" || true
    awk '/^summary:|^totals:/ {print $2; exit}' "$TMP/cg.$n"
}
a=$(run 200); b=$(run 1200)
echo "instructions per request: $(( (b - a) / 1000 ))"
