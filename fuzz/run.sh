#!/bin/sh
# run.sh - builds the libFuzzer targets (build-fuzz/) if needed and runs
# each for FUZZ_SECONDS (default 20) on a copy of its seed corpus.
#
# usage: fuzz/run.sh [--merge] [--replay] [TARGET...]
#   TARGET     query token auth host fixtures fixtures_fast body router faults
#              (default: all)
#   --merge    afterwards, merge the new interesting inputs into
#              fuzz/corpus/TARGET (libFuzzer -merge=1); without it
#              fuzz/corpus is never written
#   --replay   do not fuzz: run each target once over its saved crash
#              inputs fuzz/crashes/TARGET-*, with FUZZ_STRICT=1 (the
#              checks for known bugs on): fails while a bug is unfixed
# environment:
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_BUILD    build directory (default build-fuzz at the repo root)
#   FUZZ_FLAGS    extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#   FUZZ_KEEP=1   keep the work directory (corpus copies, logs, crashes)
#
# Prints, per target, the executions run; ends with "N passed, N failed".
# Exits 1 when any target crashed (its input and log are kept and named).
#
# SPDX-License-Identifier: MIT
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${FUZZ_BUILD:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-20}
all="query token auth host fixtures fixtures_fast body router faults params connect"
merge=0
replay=0
targets=

for arg in "$@"; do
    case $arg in
    --merge) merge=1 ;;
    --replay) replay=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option '$arg'" >&2; exit 2 ;;
    *)
        case " $all " in
        *" $arg "*) targets="$targets $arg" ;;
        *) echo "run.sh: unknown target '$arg' (one of: $all)" >&2; exit 2 ;;
        esac ;;
    esac
done
[ -n "$targets" ] || targets=$all

# Build (set up the build directory the first time).
if [ ! -f "$build/build.ninja" ]; then
    CC=${CC:-clang} meson setup "$build" "$root" -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled \
        >"${TMPDIR:-/tmp}/fuzz-setup.$$.log" 2>&1 || {
        cat "${TMPDIR:-/tmp}/fuzz-setup.$$.log" >&2
        echo "run.sh: meson setup failed" >&2
        exit 2
    }
    rm -f "${TMPDIR:-/tmp}/fuzz-setup.$$.log"
fi
exes=
for t in $targets; do exes="$exes fuzz/fuzz_$t"; done
# shellcheck disable=SC2086
ninja -C "$build" $exes >/dev/null || {
    ninja -C "$build" $exes >&2
    echo "run.sh: build failed" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/assistants-mock-fuzz.XXXXXX") || exit 2
passed=0
failed=0
keep=${FUZZ_KEEP:-0}
# ASan: report leaks, abort on errors so libFuzzer saves the input.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

for t in $targets; do
    exe=$build/fuzz/fuzz_$t
    log=$work/$t.log
    dict=
    [ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
    if [ "$replay" = 1 ]; then
        # Each saved input on its own, so one unfixed bug hides no other.
        n=0
        rc=0
        : >"$log"
        for a in "$here"/crashes/"$t"-*; do
            [ -e "$a" ] || continue
            n=$((n + 1))
            if ! FUZZ_STRICT=1 "$exe" -runs=1 "$a" >>"$log" 2>&1; then
                rc=1
                echo "    still fails: $a"
            fi
        done
        if [ "$n" = 0 ]; then
            printf '%-9s no saved crash inputs\n' "$t"
            passed=$((passed + 1))
            continue
        fi
    else
        mkdir -p "$work/corpus/$t" "$work/artifacts"
        cp "$here/corpus/$t"/* "$work/corpus/$t"/ 2>/dev/null
        # In $work/$t: with -jobs, libFuzzer writes fuzz-N.log to the cwd.
        mkdir -p "$work/$t"
        # shellcheck disable=SC2086
        (cd "$work/$t" && exec "$exe" -max_total_time="$seconds" \
            -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 ${dict:+"$dict"} \
            -artifact_prefix="$work/artifacts/$t-" ${FUZZ_FLAGS:-} \
            "$work/corpus/$t") >"$log" 2>&1
        rc=$?
        n=$(cat "$log" "$work/$t"/fuzz-*.log 2>/dev/null |
            sed -n 's/^stat::number_of_executed_units: *//p' |
            awk '{ s += $1 } END { print s + 0 }')
    fi
    if [ "$rc" -eq 0 ]; then
        printf '%-9s ok      %12s executions\n' "$t" "$n"
        passed=$((passed + 1))
    else
        printf '%-9s FAILED  %12s executions (exit %s)\n' "$t" "$n" "$rc"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' "$log" |
            head -5 | sed 's/^/    /'
        for a in "$work"/artifacts/"$t"-*; do
            [ -e "$a" ] && echo "    input: $a"
        done
        echo "    log:   $log"
        echo "    reproduce: $exe <input>"
        failed=$((failed + 1))
        keep=1
    fi
    if [ "$merge" = 1 ] && [ "$replay" = 0 ]; then
        "$exe" -merge=1 -rss_limit_mb=2048 ${dict:+"$dict"} "$here/corpus/$t" \
            "$work/corpus/$t" >"$work/$t.merge.log" 2>&1 ||
            echo "    merge failed: $work/$t.merge.log"
    fi
done

if [ "$keep" = 1 ]; then
    echo "work directory kept: $work"
else
    rm -rf "$work"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
