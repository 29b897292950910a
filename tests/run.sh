#!/usr/bin/env bash
# Runs the whole test suite: unit and black-box tests under AddressSanitizer
# and UndefinedBehaviorSanitizer (warnings as errors), the container test,
# the benchmark smoke and the fuzz smoke. Ends with one line
# "N passed, N failed". Needs the tools from `.ci/deps.sh --test`.
#
#   tests/run.sh                 everything
#   SKIP_CONTAINER=1 tests/run.sh   without the Docker image test
set -uo pipefail
cd "$(dirname "$0")/.."

builddir=${BUILDDIR:-build-test}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=true -Dtests=enabled >"$builddir.setup.log" 2>&1 ||
    { cat "$builddir.setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! meson compile -C "$builddir"; then
  echo "0 passed, 1 failed"
  exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
suites=()
[ -n "${SKIP_CONTAINER:-}" ] && suites+=(--no-suite container)
meson test -C "$builddir" --print-errorlogs --num-processes 2 "${suites[@]}"
status=$?

# meson's own JSON log has one line per test: count the results from it.
python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
