#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest: the unit
# tests (pure cores, storage), the actor tests (CAF's deterministic scheduler)
# and the integration tests (real acord processes on 127.0.0.1, driven by
# etcdctl and our own client, with the real etcd as the oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
scripts/build.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Every Catch2 test case must be one CTest test: a name CMake splits (";") would
# run a filter that matches nothing, and pass.
for suite in unit integration; do
  cases=$(build/tests/${suite}_tests --list-test-names-only 2>/dev/null | grep -c '^[^ ]' || true)
  registered=$(ctest --test-dir build -N -R "^${suite}:" | grep -c "Test *#" || true)
  if [[ $cases != "$registered" ]]; then
    echo "$suite: $cases test cases but $registered CTest tests (a test name with ';'?)"
    exit 1
  fi
done
# Integration tests start servers: one test at a time on this 2-core machine.
status=0
ctest --test-dir build --output-on-failure --timeout 600 "$@" 2>&1 | tee "$log" || status=$?
total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
# The fault test's seed, to replay a run: scripts/fault-test.sh --seed S.
grep -h -m1 "fault test: seed" build/Testing/Temporary/LastTest.log 2>/dev/null || true
echo "test suite wall time (install, build, tests): $(( $(date +%s) - start )) s"
if [[ -n $total && -n $failed ]]; then
  echo "tests: $((total - failed)) passed, $failed failed"
fi
exit "$status"
