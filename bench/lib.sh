# bench/lib.sh: what bench/run.sh and bench/tls.sh share; sourced, with
# ROOT and BENCH set and log/die defined.
#
# SPDX-License-Identifier: MIT

# bench_binary: BINARY as given, else the release build in build-bench/
# (set up the first time); dies unless it is executable.
bench_binary() {
    if [ -z "$BINARY" ]; then
        if [ ! -f "$ROOT/build-bench/build.ninja" ]; then
            meson setup "$ROOT/build-bench" "$ROOT" --buildtype=release \
                -Db_ndebug=true >&2
        fi
        meson compile -C "$ROOT/build-bench" >&2
        BINARY=$ROOT/build-bench/assistants-mock
    fi
    [ -x "$BINARY" ] || die "not executable: $BINARY"
}

# bench_fixture DIR N: DIR/assistants-N.json, generated when missing.
bench_fixture() {
    local f=$1/assistants-$2.json
    mkdir -p "$1"
    if [ ! -s "$f" ]; then
        log "generating $f"
        python3 "$BENCH/gen_fixtures.py" --count "$2" --out "$f.tmp"
        mv "$f.tmp" "$f"
    fi
}
