# Sourced by .ci/run and tests/run.sh (from the repository root): exports
# SHARED_DIR, the reference material (Twilio's OpenAPI spec in twilio/, the
# docker shim in tools/) that stands beside the repository as ../shared. In a
# clone made elsewhere (git clone /work/main /tmp/x/ci) it is ../shared
# beside the repository the clone came from. A SHARED_DIR already set wins.
if [ -z "${SHARED_DIR:-}" ]; then
  if [ -d ../shared ]; then
    SHARED_DIR=$(cd ../shared && pwd)
  else
    _origin=$(git config --get remote.origin.url 2>/dev/null || true)
    if [ -n "$_origin" ] && [ -d "$_origin/../shared" ]; then
      SHARED_DIR=$(cd "$_origin/../shared" && pwd)
    fi
    unset _origin
  fi
fi
if [ -n "${SHARED_DIR:-}" ]; then
  export SHARED_DIR
else
  echo "note: no ../shared beside the repository (or SHARED_DIR): the spec" \
    "conformance tests and the container test will fail" >&2
fi
