#!/usr/bin/env bash
# Runs etcd 3.4's own end-to-end tests (tests/e2e in Debian's
# golang-etcd-server-dev) against build/acord: they start clusters of "etcd"
# with etcd's flags, drive them with the real etcdctl and check its output.
#
#   scripts/e2e.sh [LIST] [-b SERVER_BINARY] [--log FILE]
#
# LIST: a file of test names, one a line (default tests/e2e/plain.txt); names
# also in tests/e2e/not-yet.txt are left out and reported as such (each line
# there says why). -b /usr/bin/etcd runs the same tests on etcd.
# Prints one line per test and "e2e: N passed, M failed" last; exit 0 only
# when none failed.
set -uo pipefail
cd "$(dirname "$0")/.."
list=tests/e2e/plain.txt
bin=$PWD/build/acord
log=""
while (($#)); do
  case $1 in
    -b) bin=$(realpath "$2"); shift 2 ;;
    --log) log=$2; shift 2 ;;
    *) list=$1; shift ;;
  esac
done
[[ -x $bin ]] || { echo "e2e: no server binary at $bin (scripts/build.sh)"; exit 2; }
[[ -f $list ]] || { echo "e2e: no test list $list"; exit 2; }

src=/usr/share/gocode/src/go.etcd.io/etcd
if ! command -v go >/dev/null || [[ ! -d $src/tests/e2e ]] || ! command -v etcdctl >/dev/null; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq golang-go golang-etcd-server-dev etcd-client >/dev/null
fi

# The test binary is built once per machine (about a minute) and kept.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/acord-e2e
mkdir -p "$cache/bin"
if [[ ! -x $cache/e2e.test ]]; then
  echo "e2e: building etcd's e2e tests (once) ..."
  GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=$cache/go \
    go test -c -o "$cache/e2e.test.part" go.etcd.io/etcd/tests/e2e && mv "$cache/e2e.test.part" "$cache/e2e.test" \
    || { echo "e2e: could not build etcd's e2e tests"; exit 2; }
fi
# The tests run "etcd" and "etcdctl" from one directory.
ln -sf "$bin" "$cache/bin/etcd"
ln -sf "$(command -v etcdctl)" "$cache/bin/etcdctl"

names() { grep -v '^#' "$1" | awk 'NF { print $1 }'; }
not_yet() { [[ -f tests/e2e/not-yet.txt ]] && names tests/e2e/not-yet.txt | grep -qx "$1"; }
run=() left_out=0
for t in $(names "$list"); do
  if not_yet "$t"; then
    echo "--- NOT YET: $t: $(grep "^$t " tests/e2e/not-yet.txt | cut -d' ' -f2-)"
    left_out=$((left_out + 1))
  else
    run+=("$t")
  fi
done
((${#run[@]})) || { echo "e2e: nothing to run"; exit 2; }
regex="^($(IFS='|'; echo "${run[*]}"))\$"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tests use fixed ports from 20000 on and temporary dirs; they bound
# themselves (-test.timeout), and timeout bounds the whole run.
(cd "$work" && timeout 1800 "$cache/e2e.test" -test.v -test.timeout 25m -test.run "$regex" \
  -bin-dir "$cache/bin" -cert-dir "$src/integration/fixtures") >"$work/out" 2>&1
[[ -n $log ]] && cp "$work/out" "$log"
grep -E '^--- (PASS|FAIL|SKIP)' "$work/out"
pass=$(grep -c '^--- PASS' "$work/out")
fail=$(grep -c '^--- FAIL' "$work/out")
# A test that never reported (a panic, the timeout) counts as failed.
missing=$((${#run[@]} - pass - fail - $(grep -c '^--- SKIP' "$work/out")))
((missing > 0)) && { echo "e2e: $missing test(s) did not report (see --log)"; fail=$((fail + missing)); }
echo "e2e: $pass passed, $fail failed, $left_out not run yet (tests/e2e/not-yet.txt)"
((fail == 0 && pass > 0))
