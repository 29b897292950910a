#!/usr/bin/env bash
# bench/tls.sh: the drop-in mode's cost (issue 12).
#
#   bench/tls.sh [--smoke] [--binary PATH] [--dir DIR]
#
# One server of the 1,000 set (bench/gen_fixtures.py, as bench/run.sh's case
# 1) pinned to core 0 with --threads 1 --quiet --tls-port 0 --proxy-port 0;
# wrk on core 1 (-t1 -c16, keep-alive, Basic auth on every request) asks for
# the first page of 50 over plain HTTP, over HTTPS (wrk's TLS: OpenSSL,
# TLS 1.3, the session reused on each keep-alive connection), alternating,
# 2 s warm-up each, then RUNS (3) measured runs of DURATION (10 s) per side.
# Prints the medians, and HTTPS as a ratio of plain HTTP within this run.
#
# Then start-up: spawn to the first 200 on GET /readyz (plain), median of 15,
# without and with --tls-port (which makes the CA and server certificate),
# and with --tls-port spawn to the first 200 over TLS.
#
# --smoke: 1 s runs, no warm-up, one run, 3 starts. Figures are never
# asserted; the script fails only if a request fails.
#
# SPDX-License-Identifier: MIT

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BINARY=
DIR=${BENCH_DIR:-/tmp/assistants-mock-bench}
WARMUP=2 DURATION=10 RUNS=3 STARTS=15
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) WARMUP=0 DURATION=1 RUNS=1 STARTS=3 ;;
    --binary) BINARY=${2:?--binary needs a path}; shift ;;
    --binary=*) BINARY=${1#*=} ;;
    --dir) DIR=${2:?--dir needs a path}; shift ;;
    --dir=*) DIR=${1#*=} ;;
    -h|--help) sed -n '3,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tls.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
log() { printf '%s\n' "tls.sh: $*" >&2; }
die() { log "$*"; exit 1; }
for t in wrk python3 taskset; do
    command -v $t >/dev/null || die "missing $t (.ci/deps.sh --test)"
done
SCORE=0 LCORE=1
[ "$(nproc)" -ge 2 ] || LCORE=0

. "$BENCH/lib.sh"
bench_binary
bench_fixture "$DIR" 1000
FIX=$DIR/assistants-1000.json
WORK=$(mktemp -d "$DIR/tls.XXXXXX")
SPID=
cleanup() {
    [ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

taskset -c $SCORE "$BINARY" --port 0 --threads 1 --quiet --fixtures "$FIX" \
    --tls-port 0 --proxy-port 0 >"$WORK/server.log" 2>&1 &
SPID=$!
for _ in $(seq 200); do
    grep -q '^proxy (CONNECT) on ' "$WORK/server.log" && break
    kill -0 $SPID 2>/dev/null || die "server failed: $(cat "$WORK/server.log")"
    sleep 0.02
done
PORT=$(sed -n 's|^listening on http://[^:]*:\([0-9]*\)$|\1|p' "$WORK/server.log")
TPORT=$(sed -n 's|^listening on https://[^:]*:\([0-9]*\)$|\1|p' "$WORK/server.log")
[ -n "$PORT" ] && [ -n "$TPORT" ] || die "no ports in $(cat "$WORK/server.log")"
AUTH="Basic $(printf '%s' ACa11ce000000000000000000000000001:alice-auth-token | base64 -w0)"
PATHQ=/v1/Assistants

# wrk_once URL SECONDS: prints "rps p99_us"; fails on any error or non-2xx.
wrk_once() {
    local out=$WORK/wrk.txt res
    taskset -c $LCORE wrk -t1 -c16 -d"$2s" -H "Authorization: $AUTH" \
        -s "$BENCH/wrk.lua" "$1" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
    res=$(grep '^RESULT ' "$out") || { cat "$out" >&2; return 1; }
    local W_rps W_p50_us W_p99_us W_requests W_status W_connect W_read W_write W_timeout
    local vars="W_${res#RESULT }"
    eval "${vars// / W_}"
    if [ "$W_requests" -eq 0 ] || [ $((W_status + W_connect + W_read + W_write + W_timeout)) -ne 0 ]; then
        log "wrk errors: $res"; return 1
    fi
    echo "$W_rps $W_p99_us"
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

declare -A RPS P99
plain=() tls=() plain99=() tls99=()
if [ "$WARMUP" != 0 ]; then
    wrk_once "http://127.0.0.1:$PORT$PATHQ" $WARMUP >/dev/null
    wrk_once "https://127.0.0.1:$TPORT$PATHQ" $WARMUP >/dev/null
fi
for i in $(seq $RUNS); do
    read -r a b < <(wrk_once "http://127.0.0.1:$PORT$PATHQ" $DURATION)
    plain+=("$a") plain99+=("$b")
    read -r a b < <(wrk_once "https://127.0.0.1:$TPORT$PATHQ" $DURATION)
    tls+=("$a") tls99+=("$b")
    log "run $i: http ${plain[-1]} req/s, https ${tls[-1]} req/s"
done
RPS[http]=$(printf '%s\n' "${plain[@]}" | median)
RPS[https]=$(printf '%s\n' "${tls[@]}" | median)
P99[http]=$(printf '%s\n' "${plain99[@]}" | median)
P99[https]=$(printf '%s\n' "${tls99[@]}" | median)
kill $SPID; wait $SPID 2>/dev/null || true; SPID=

# Start-up: spawn to the first 200 (plain /readyz; with TLS also over TLS).
STARTS_OUT=$(python3 - "$BINARY" "$STARTS" <<'EOF'
import os, socket, ssl, subprocess, sys, time, statistics
binary, n = sys.argv[1], int(sys.argv[2])
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # made once: not timed
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def get(port, tls):
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    # Else Nagle holds the request behind the client's Finished (40 ms).
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        s = ctx.wrap_socket(s, server_hostname="assistants.twilio.com")
    s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    ok = s.recv(64).startswith(b"HTTP/1.1 200")
    s.close(); return ok
def start(args, tls):
    port, tport = free(), free()
    cmd = [binary, "--port", str(port), "--quiet", "--threads", "1"] + (
        ["--tls-port", str(tport)] if args else [])
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if get(tport if tls else port, tls):
                break
        except OSError:
            pass
    ms = (time.perf_counter() - t0) * 1000
    p.terminate(); p.wait()
    return ms
res = {}
for name, args, tls in (("plain", False, False), ("tls", True, False), ("tls_over_tls", True, True)):
    res[name] = statistics.median(start(args, tls) for _ in range(n))
print(" ".join("%.1f" % res[k] for k in ("plain", "tls", "tls_over_tls")))
EOF
)
read -r s_plain s_tls s_tls2 <<<"$STARTS_OUT"

ratio=$(awk -v a="${RPS[https]}" -v b="${RPS[http]}" 'BEGIN {printf "%.2f", a / b}')
cat <<EOF
| first page of 50 (1,000 set), \`wrk -t1 -c16\`, one server \`--threads 1\` | req/s (median of $RUNS x ${DURATION} s) | p99 | × plain HTTP |
| --- | --: | --: | --: |
| plain HTTP (\`--port\`) | ${RPS[http]} | ${P99[http]} us | 1.00 |
| HTTPS (\`--tls-port\`, TLS 1.3, keep-alive) | ${RPS[https]} | ${P99[https]} us | $ratio |

| start-up, spawn to first 200 (median of $STARTS) | ms |
| --- | --: |
| without TLS, \`GET /readyz\` | $s_plain |
| with \`--tls-port\` (CA and certificate made), \`GET /readyz\` over HTTP | $s_tls |
| with \`--tls-port\`, \`GET /readyz\` over TLS (handshake included) | $s_tls2 |
EOF
