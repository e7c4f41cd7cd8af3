#!/usr/bin/env bash
# Runs the same load against acord and the real etcd (Debian's etcd-server), one
# after the other on this machine, each on a fresh data dir on the same disk,
# and prints throughput, latency, server CPU seconds and peak memory, with the
# acord/etcd ratio.
#
#   benchmarks/compare.sh [--clients N] [--seconds S] [--value-bytes B] [--op put|get]
set -euo pipefail
cd "$(dirname "$0")/.."
bench_args=("$@")
[[ -x build/benchmarks/put_bench && -x build/acord ]] || { echo "build first: scripts/build.sh"; exit 2; }
command -v etcd >/dev/null || { echo "needs etcd (apt-get install etcd-server)"; exit 2; }
work=$(mktemp -d /tmp/acord-bench-XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

source benchmarks/lib.sh

run_one() {  # name binary
  local name=$1 bin=$2
  start_server "$name" "$bin" >&2 || exit 1
  local cpu0 cpu1 hz result
  hz=$(getconf CLK_TCK)
  cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  result=$(build/benchmarks/put_bench --endpoint "127.0.0.1:$port" "${bench_args[@]}")
  cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  stop_server
  local ops cpu_s
  ops=$(echo "$result" | tr ' ' '\n' | awk -F= '$1 == "ops" {print $2}')
  cpu_s=$(echo "scale=2; ($cpu1 - $cpu0) / $hz" | bc)
  echo "$name $result cpu_s=$cpu_s cpu_us_per_op=$(echo "scale=1; $cpu_s * 1000000 / $ops" | bc) peak_rss_mb=$((rss / 1024))"
}

etcd_line=$(run_one etcd "$(command -v etcd)")
acord_line=$(run_one acord build/acord)
echo "$etcd_line"
echo "$acord_line"
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
for k in ops_per_s p50_ms p99_ms cpu_us_per_op peak_rss_mb; do
  e=$(field "$etcd_line" $k) a=$(field "$acord_line" $k)
  echo "ratio acord/etcd $k: $(echo "scale=2; $a / $e" | bc 2>/dev/null || echo n/a)"
done
