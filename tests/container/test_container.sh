#!/usr/bin/env bash
# test_container.sh - builds the assistants-mock image and checks it the way users run it:
# custom fixtures by bind mount, readiness and the image HEALTHCHECK, paging over the
# published port, non-root user, --read-only and --user, flags and env vars, SIGTERM and
# SIGINT stop time and status, bad fixtures exit 2. Prints image size, ready and stop
# times. Every container and the image it makes are removed on exit, pass or fail (the
# builder's layer cache is kept so reruns are fast).
#
#   tests/container/test_container.sh            # from anywhere; needs docker + python3
#
# Exit 0 all passed, 1 some failed, 77 skipped (no `docker` command at all).
# With podman behind `docker` (../shared/tools/docker-shim) health checks are not run
# by a timer (no systemd); the script then runs them itself with `docker healthcheck run`,
# which executes the image's HEALTHCHECK command inside the container.
#
# SPDX-License-Identifier: MIT
set -uo pipefail

if ! command -v docker >/dev/null 2>&1; then
    echo "SKIP: no 'docker' command on PATH (see ../shared/tools/docker-shim/setup.sh)"
    echo "0 passed, 0 failed"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "FAIL: python3 is needed for the HTTP checks"
    echo "0 passed, 1 failed"
    exit 1
fi

repo=$(cd "$(dirname "$0")/../.." && pwd)
tag="assistants-mock-test:$$-${RANDOM}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/am-container.XXXXXX")
chmod 755 "$tmp"
cids=()
passed=0
failed=0
max_size_mb=30
max_stop_ms=1000

cleanup() {
    local c
    for c in "${cids[@]}"; do
        docker rm -f "$c" >/dev/null 2>&1
    done
    docker rmi -f "$tag" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
    passed=$((passed + 1))
    echo "ok   - $*"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL - $*"
}
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- helpers -------------------------------------------------------------------------

sid=AC0123456789abcdef0123456789abcdef
token=container-test-token
n_assistants=23

cat >"$tmp/am_http.py" <<'EOF'
"""HTTP side of test_container.sh (stdlib only)."""
import base64, json, sys, time, urllib.error, urllib.request

def get(url, auth=None, timeout=2):
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization",
                       "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def ready(port, deadline_s):
    """Poll /readyz until 200; print the epoch ms of the first 200."""
    end = time.monotonic() + float(deadline_s)
    while time.monotonic() < end:
        try:
            if get(f"http://127.0.0.1:{port}/readyz", timeout=0.5)[0] == 200:
                print(int(time.time() * 1000))
                return 0
        except OSError:
            pass
        time.sleep(0.005)
    return 1

def page(port, auth, expected_file, page_size):
    """Follow next_page_url from Page=0; every expected id exactly once, in order."""
    want = [l.strip() for l in open(expected_file) if l.strip()]
    url = f"http://127.0.0.1:{port}/v1/Assistants?PageSize={page_size}"
    seen, pages = [], 0
    while url:
        status, body = get(url, auth)
        if status != 200:
            print(f"GET {url}: status {status}: {body[:200]!r}", file=sys.stderr)
            return 1
        doc = json.loads(body)
        meta = doc["meta"]
        if meta["page"] != pages or meta["page_size"] != int(page_size) \
                or meta["key"] != "assistants":
            print(f"bad meta on page {pages}: {meta}", file=sys.stderr)
            return 1
        seen += [a["id"] for a in doc["assistants"]]
        pages += 1
        url = meta["next_page_url"]
        if url and not url.startswith(f"http://127.0.0.1:{port}/"):
            print(f"next_page_url not on the published port: {url}", file=sys.stderr)
            return 1
        if pages > 1000:
            return 1
    if seen != want:
        print(f"got {len(seen)} ids ({len(set(seen))} distinct), want {len(want)}",
              file=sys.stderr)
        return 1
    print(pages)
    return 0

def status(port, path, auth=None):
    print(get(f"http://127.0.0.1:{port}{path}", auth or None)[0])
    return 0

cmd, *args = sys.argv[1:]
sys.exit({"ready": ready, "page": page, "status": status}[cmd](*args))
EOF

http() { python3 "$tmp/am_http.py" "$@"; }

host_port() { # host_port CID CONTAINER_PORT -> published host port
    docker port "$1" "$2" 2>/dev/null | head -n 1 | sed 's/.*://'
}

has_healthcheck_run=false
if docker healthcheck run --help >/dev/null 2>&1; then
    has_healthcheck_run=true
fi

wait_healthy() { # wait_healthy CID SECONDS: image HEALTHCHECK reports healthy
    local cid=$1 end=$(($(now_ms) + $2 * 1000)) st
    while [ "$(now_ms)" -lt "$end" ]; do
        if $has_healthcheck_run; then
            docker healthcheck run "$cid" >/dev/null 2>&1
        fi
        st=$(docker inspect -f '{{.State.Health.Status}}' "$cid" 2>/dev/null)
        [ "$st" = healthy ] && return 0
        sleep 0.1
    done
    echo "  health status: ${st:-none}" >&2
    return 1
}

run_d() { # run_d ARGS...: docker run -d, container id on stdout, stderr kept aside
    local c
    c=$(docker run -d "$@" 2>"$tmp/run.err") && [ -n "$c" ] && { echo "$c"; return 0; }
    sed 's/^/  docker run: /' "$tmp/run.err" >&2
    return 1
}

exit_code() { docker inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null; }

# --- fixtures --------------------------------------------------------------------------

mkdir -p "$tmp/good" "$tmp/bad"
python3 - "$tmp/good/accounts.json" "$tmp/expected_ids" "$sid" "$token" "$n_assistants" <<'EOF'
import json, sys
path, ids_path, sid, token, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
items = []
for i in range(n):
    items.append({
        "id": f"aia_asst_container-{i:04d}",
        "account_sid": sid,
        "name": f"Container assistant {i}",
        "owner": "Container Test",
        "model": "gpt-4o",
        "personality_prompt": "Be brief.",
        "customer_ai": {"perception_engine_enabled": False,
                        "personalization_engine_enabled": i % 2 == 0},
        "date_created": f"2024-02-{1 + i:02d}T10:00:00Z",
        "date_updated": f"2024-03-{1 + i:02d}T10:00:00Z",
    })
json.dump({"accounts": [{"sid": sid, "auth_token": token}], "assistants": items},
          open(path, "w"), indent=1)
open(ids_path, "w").write("".join(a["id"] + "\n" for a in items))
EOF
cat >"$tmp/bad/broken.json" <<EOF
{"accounts":[{"sid":"$sid","auth_token":"$token"}],
 "assistants":[{"id":"aia_asst_bad","account_sid":"ACxyz","name":"","owner":"","model":"",
   "personality_prompt":"","customer_ai":{},"date_created":"2024-01-01T00:00:00Z",
   "date_updated":"2024-01-01T00:00:00Z"}]}
EOF
chmod -R a+rX "$tmp/good" "$tmp/bad"

# --- build -----------------------------------------------------------------------------

echo "# building $tag from $repo"
t0=$(now_ms)
if ! docker build -t "$tag" "$repo" >"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log"
    fail "docker build"
    finish
fi
build_ms=$(($(now_ms) - t0))
ok "docker build (${build_ms} ms)"

size=$(docker image inspect -f '{{.Size}}' "$tag")
size_mb=$(python3 -c "print(f'{$size / 1e6:.1f}')")
check "image size ${size_mb} MB < ${max_size_mb} MB" [ "$size" -lt $((max_size_mb * 1000000)) ]

user=$(docker image inspect -f '{{.Config.User}}' "$tag")
check "image USER is a fixed non-root uid ($user)" \
    bash -c '[[ $1 =~ ^[0-9]+(:[0-9]+)?$ ]] && [ "${1%%:*}" -ne 0 ]' _ "$user"
cfg=$(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.ExposedPorts}} {{.Config.StopSignal}} {{json .Config.Healthcheck.Test}}' "$tag")
check "image ENTRYPOINT, EXPOSE 8080 8443 8081, STOPSIGNAL, HEALTHCHECK ($cfg)" \
    bash -c '[[ $1 == "[\"/usr/local/bin/assistants-mock\"] "*"8080/tcp"*"8081/tcp"*"8443/tcp"*" SIGTERM [\"CMD\",\"/usr/local/bin/assistants-mock\",\"--healthcheck\"]" ]]' _ "$cfg"

out=$(docker run --rm -v "$tmp/good:/fixtures:ro" "$tag" --fixtures /fixtures --check 2>&1)
check "flags after the image name reach the server (--check)" \
    grep -q "fixtures ok: 1 account, $n_assistants assistants" <<<"$out"

# --- main container: mounted fixture, default user ---------------------------------------

t0=$(now_ms)
cid=$(run_d -p 127.0.0.1::8080 -v "$tmp/good:/fixtures:ro" \
    -e ASSISTANTS_MOCK_FIXTURES=/fixtures "$tag")
[ -n "$cid" ] && cids+=("$cid")
run_ms=$(($(now_ms) - t0))
port=$(host_port "$cid" 8080)
if [ -n "$port" ] && t1=$(http ready "$port" 10); then
    ready_ms=$((t1 - t0))
    ok "ready: first 200 on /readyz ${ready_ms} ms after docker run (docker run -d itself: ${run_ms} ms)"
else
    fail "container never became ready"
    docker logs "$cid" 2>&1 | tail -n 20
    finish
fi
check "image HEALTHCHECK reports healthy" wait_healthy "$cid" 10
check "GET /healthz is 200" [ "$(http status "$port" /healthz)" = 200 ]

if pages=$(http page "$port" "$sid:$token" "$tmp/expected_ids" 5); then
    ok "paged $n_assistants assistants exactly once over $pages pages via next_page_url"
else
    fail "paging through /v1/Assistants"
fi
check "wrong credentials get 401" \
    [ "$(http status "$port" /v1/Assistants "$sid:wrong")" = 401 ]
check "bundled accounts are not served with custom fixtures" \
    [ "$(http status "$port" /v1/Assistants ACa11ce000000000000000000000000001:alice-auth-token)" = 401 ]

top_user=$(docker top "$cid" 2>/dev/null | awk 'NR == 2 { print $1 }')
check "process runs as non-root (docker top: $top_user)" \
    bash -c '[ -n "$1" ] && [ "$1" != root ] && [ "$1" != 0 ]' _ "$top_user"

logs=$(docker logs "$cid" 2>&1)
check "logs: listening line, account summary, access log" bash -c '
    grep -q "^listening on http://0.0.0.0:8080$" <<<"$1" &&
    grep -q "^account '"$sid"': '"$n_assistants"' assistants" <<<"$1" &&
    grep -q "^GET /v1/Assistants?PageSize=5 200 " <<<"$1"' _ "$logs"

t0=$(now_ms)
docker stop -t 10 "$cid" >/dev/null 2>&1
stop_ms=$(($(now_ms) - t0))
check "docker stop took ${stop_ms} ms (< ${max_stop_ms} ms)" [ "$stop_ms" -lt "$max_stop_ms" ]
check "exit status 0 after SIGTERM" [ "$(exit_code "$cid")" = 0 ]
check "logs: SIGTERM received" grep -q "SIGTERM received" <<<"$(docker logs "$cid" 2>&1)"

# --- --read-only, arbitrary --user, port from env, SIGINT ---------------------------------

t0=$(now_ms)
cid=$(run_d --read-only --user 12345:12345 -p 127.0.0.1::9000 \
    -e ASSISTANTS_MOCK_PORT=9000 -e ASSISTANTS_MOCK_FIXTURES=/fixtures \
    -v "$tmp/good:/fixtures:ro" "$tag")
[ -n "$cid" ] && cids+=("$cid")
port=$(host_port "$cid" 9000)
if [ -n "$port" ] && t1=$(http ready "$port" 10); then
    ok "--read-only --user 12345 -e ASSISTANTS_MOCK_PORT=9000: ready in $((t1 - t0)) ms"
    check "  ... lists all assistants in one page" \
        bash -c '[ "$(python3 "$1" page "$2" "$3" "$4" 1000)" = 1 ]' _ \
        "$tmp/am_http.py" "$port" "$sid:$token" "$tmp/expected_ids"
    check "  ... HEALTHCHECK follows the env port" wait_healthy "$cid" 10
    top_user=$(docker top "$cid" 2>/dev/null | awk 'NR == 2 { print $1 }')
    check "  ... runs as uid 12345 (docker top: $top_user)" [ "$top_user" = 12345 ]
else
    fail "--read-only --user 12345 container never became ready"
    docker logs "$cid" 2>&1 | tail -n 20
fi
t0=$(now_ms)
docker kill -s INT "$cid" >/dev/null 2>&1
code=$(docker wait "$cid" 2>/dev/null | head -n 1)
sigint_ms=$(($(now_ms) - t0))
check "SIGINT: exit status 0 in ${sigint_ms} ms (< ${max_stop_ms} ms)" \
    bash -c '[ "$1" = 0 ] && [ "$2" -lt "$3" ]' _ "$code" "$sigint_ms" "$max_stop_ms"

# --- HTTPS and the CONNECT proxy (drop-in mode) --------------------------------------------

# The image's defaults: HTTPS on 8443 and the proxy on 8081, a CA made at start; then the
# network-alias variant of README's compose example, the mock on 443 as uid 10001 (the
# sysctl lets a non-root user bind it, as Docker's default does), the CA in a volume.
mkdir -p "$tmp/ca" && chmod 777 "$tmp/ca"
cid=$(run_d -p 127.0.0.1::8080 -p 127.0.0.1::8443 -p 127.0.0.1::8081 "$tag")
[ -n "$cid" ] && cids+=("$cid")
port=$(host_port "$cid" 8080)
tport=$(host_port "$cid" 8443)
pport=$(host_port "$cid" 8081)
if [ -n "$port" ] && [ -n "$tport" ] && [ -n "$pport" ] && http ready "$port" 10 >/dev/null; then
    ok "TLS defaults: EXPOSE 8443 and 8081 published, ready"
    curl -s "http://127.0.0.1:$port/__admin/ca.pem" >"$tmp/ca.pem"
    check "  ... GET /__admin/ca.pem serves a CA certificate" \
        grep -q -- "-----BEGIN CERTIFICATE-----" "$tmp/ca.pem"
    out=$(curl -sS --cacert "$tmp/ca.pem" --resolve "assistants.twilio.com:$tport:127.0.0.1" \
        -u ACa11ce000000000000000000000000001:alice-auth-token \
        "https://assistants.twilio.com:$tport/v1/Assistants?PageSize=2" 2>&1)
    check "  ... HTTPS on 8443, verified for assistants.twilio.com, https links" \
        grep -q "\"next_page_url\":\"https://assistants.twilio.com:$tport/v1/Assistants?" <<<"$out"
    out=$(curl -sS -x "http://127.0.0.1:$pport" --cacert "$tmp/ca.pem" \
        -u ACa11ce000000000000000000000000001:alice-auth-token \
        "https://assistants.twilio.com/v1/Assistants?PageSize=2" 2>&1)
    check "  ... CONNECT through the proxy port: the API at https://assistants.twilio.com" \
        grep -q '"next_page_url":"https://assistants.twilio.com/v1/Assistants?' <<<"$out"
    code=$(curl -s -o /dev/null -w '%{http_connect}' -x "http://127.0.0.1:$pport" \
        https://example.com/ 2>/dev/null)
    check "  ... CONNECT to another host refused 403 (got $code)" [ "$code" = 403 ]
else
    fail "TLS defaults: container never became ready"
    docker logs "$cid" 2>&1 | tail -n 20
fi
cid=$(run_d --sysctl net.ipv4.ip_unprivileged_port_start=0 -p 127.0.0.1::443 \
    -v "$tmp/ca:/ca" -e ASSISTANTS_MOCK_TLS_PORT=443 -e ASSISTANTS_MOCK_TLS_CA_OUT=/ca/ca.pem \
    "$tag")
[ -n "$cid" ] && cids+=("$cid")
tport=$(host_port "$cid" 443)
for _ in $(seq 100); do [ -s "$tmp/ca/ca.pem" ] && break; sleep 0.05; done
out=$(curl -sS --cacert "$tmp/ca/ca.pem" --resolve "assistants.twilio.com:$tport:127.0.0.1" \
    -u ACb0b00000000000000000000000000002:bob-auth-token \
    "https://assistants.twilio.com:$tport/v1/Assistants?PageSize=1000" 2>&1)
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["assistants"]))' "$out" 2>/dev/null)
check "TLS on 443 as uid 10001, CA written to a volume (--tls-ca-out): bob's 12 assistants (got ${n:-none})" \
    [ "$n" = 12 ]

# --- bad fixtures ---------------------------------------------------------------------------

t0=$(now_ms)
cid=$(run_d -v "$tmp/bad:/fixtures:ro" -e ASSISTANTS_MOCK_FIXTURES=/fixtures "$tag")
[ -n "$cid" ] && cids+=("$cid")
code=$(timeout 10 docker wait "$cid" 2>/dev/null | head -n 1)
bad_ms=$(($(now_ms) - t0))
check "bad fixture: container exits with status 2 (${bad_ms} ms after docker run)" \
    [ "$code" = 2 ]
logs=$(docker logs "$cid" 2>&1)
want='/fixtures/broken.json: assistants[0].account_sid: expected "AC" and 32 hex digits, got "ACxyz"'
if grep -qF "$want" <<<"$logs"; then
    ok "bad fixture: validation message in docker logs"
else
    fail "bad fixture: validation message in docker logs"
    printf '  %s\n' "$logs" | head -n 5
fi

echo "# image size ${size_mb} MB, ready ${ready_ms} ms, stop ${stop_ms} ms (docker run -d ${run_ms} ms, build ${build_ms} ms)"
finish
