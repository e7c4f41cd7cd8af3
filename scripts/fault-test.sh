#!/usr/bin/env bash
# The fault test: a cluster of real acord processes on 127.0.0.1 under kills
# and pauses while clients work on it; then the recorded history is checked
# (linearizability, lost writes, watch gaps). See tests/fault/fault_main.cpp.
#
#   scripts/fault-test.sh [--seconds N] [--seed S] [--members 3|5] [--snapshot-count N] [--peer-tls yes] [--out DIR]
#   scripts/fault-test.sh --mutant stale_reads|no_quorum [--seconds N] [--seed S]
#       builds acord with a deliberate bug into build-mutant-<name>/ and expects
#       the test to catch it: exits 0 only if a violation was found.
#         stale_reads: linearizable reads served locally, without ReadIndex
#         no_quorum:   the leader commits (and acknowledges) what it alone wrote
#
# Builds what is missing first. Prints a fresh seed when none is given; the
# last line is the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
mutant=""
args=()
while (($#)); do
  case $1 in
    --mutant) mutant=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ ! -x build/tests/fault_test || ! -x build/acord ]]; then
  scripts/install-deps.sh
  scripts/build.sh >/dev/null
fi
if [[ -z $mutant ]]; then
  exec build/tests/fault_test "${args[@]}"
fi
dir=build-mutant-$mutant
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
[[ -f "$dir"/CMakeCache.txt ]] || cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DACORD_MUTANT="$mutant" >/dev/null
cmake --build "$dir" --target acord --parallel "$(nproc)" >/dev/null
echo "running the fault test against $dir/acord (ACORD_MUTANT=$mutant): it must find a violation"
start=$(date +%s)
rc=0
ACORD_BINARY=$PWD/$dir/acord build/tests/fault_test "${args[@]}" || rc=$?
if ((rc != 1)); then  # 0: no violation; 2: the test could not run
  echo "mutant $mutant NOT caught (exit $rc)"
  exit 1
fi
echo "mutant $mutant caught after $(($(date +%s) - start)) s (run length included)"
