#!/usr/bin/env bash
# Runs the whole test suite: unit and black-box tests under AddressSanitizer
# and UndefinedBehaviorSanitizer (warnings as errors), the concurrency tests
# under ThreadSanitizer, the container test, the benchmark smoke and the fuzz
# smoke. Ends with one line
# "N passed, N failed". Needs the tools from `.ci/deps.sh --test`.
#
#   tests/run.sh                 everything
#   SKIP_CONTAINER=1 tests/run.sh   without the Docker image test
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/shared-dir.sh

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
suites=(--no-suite tsan)
[ -n "${SKIP_CONTAINER:-}" ] && suites+=(--no-suite container)
meson test -C "$builddir" --print-errorlogs --num-processes 2 "${suites[@]}"
status=$?

# ThreadSanitizer: the concurrency tests (suite 'tsan': the concurrent
# black-box cases and the store's threaded unit test) against a second build
# of the server with -fsanitize=thread.
tsandir=${TSAN_BUILDDIR:-build-tsan}
extra_failed=0
logs=("$builddir/meson-logs/testlog.json")
if [ ! -f "$tsandir/build.ninja" ]; then
  meson setup "$tsandir" -Db_sanitize=thread -Dwerror=true -Dtests=enabled \
    >"$tsandir.setup.log" 2>&1 ||
    { cat "$tsandir.setup.log"; echo "FAILED: ThreadSanitizer setup"; status=1
      extra_failed=1; }
fi
if [ -f "$tsandir/build.ninja" ]; then
  if meson compile -C "$tsandir" assistants-mock test_store; then
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
      meson test -C "$tsandir" --no-rebuild --print-errorlogs \
        --num-processes 1 --suite tsan || status=1
    logs+=("$tsandir/meson-logs/testlog.json")
  else
    echo "FAILED: ThreadSanitizer build"
    status=1
    extra_failed=1
  fi
fi

# Count from meson's JSON log: each test script and unit executable ends its
# output with "N passed, N failed" (its own cases); a test without such a
# line counts as one. A failed test always counts at least one failure.
EXTRA_FAILED=$extra_failed python3 - "${logs[@]}" <<'PY'
import json, os, re, sys
passed = skipped = 0
failed = int(os.environ.get("EXTRA_FAILED", "0"))
lines = [l for path in sys.argv[1:] for l in open(path)]
for line in lines:
    t = json.loads(line)
    result = t.get("result")
    counts = re.findall(r"(?m)^#? ?(\d+) passed, (\d+) failed", t.get("stdout") or "")
    if result == "SKIP":
        skipped += 1
        continue
    if counts:
        p, f = map(int, counts[-1])
    else:
        p, f = (1, 0) if result in ("OK", "EXPECTEDFAIL") else (0, 1)
    if result not in ("OK", "EXPECTEDFAIL") and f == 0:
        f = 1
    passed += p
    failed += f
    if result not in ("OK", "EXPECTEDFAIL"):
        print(f"FAILED: {t.get('name')} ({result})")
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
