#!/usr/bin/env bash
# Raft under load and under failure, acord against the real etcd, on this
# machine with the same load generator and etcd's default timers
# (100 ms heartbeat, 1000 ms election timeout):
#   - write throughput of a 1-member and a 3-member cluster (16 clients)
#   - failover: kill -9 of the leader to the next successful write (R rounds)
#
#   benchmarks/cluster_compare.sh [--seconds S] [--rounds R]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=8 rounds=3
while [[ $# -gt 0 ]]; do
  case $1 in --seconds) seconds=$2; shift 2;; --rounds) rounds=$2; shift 2;; *) echo "unknown $1"; exit 2;; esac
done
[[ -x build/benchmarks/acord-bench && -x build/benchmarks/failover_probe && -x build/acord ]] || {
  echo "build first: scripts/build.sh"; exit 2; }
command -v etcd >/dev/null || { echo "needs etcd (apt-get install etcd-server)"; exit 2; }
work=$(mktemp -d /tmp/acord-cluster-bench-XXXXXX)
source benchmarks/lib.sh
cleanup() { stop_cluster; rm -rf "$work"; }
trap cleanup EXIT

field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

for name in etcd acord; do
  bin=$(command -v etcd); [[ $name == acord ]] && bin=build/acord
  for n in 1 3; do
    start_cluster "$name" "$bin" "$n"
    first=${endpoints%%,*}
    r=$(build/benchmarks/acord-bench --endpoints "$first" --clients 16 --total 0 --duration "$seconds" --no-progress --json --val-size 256 --key-space-size 10000 put)
    echo "$name members=$n $r"
    eval "${name}_put_$n=$(jget "$r" ops_per_s)"
    stop_cluster 2>/dev/null
  done
  total=0
  for round in $(seq 1 "$rounds"); do
    start_cluster "$name" "$bin" 3
    f=$(build/benchmarks/failover_probe --endpoints "$endpoints" --pids "$(IFS=,; echo "${cluster_pids[*]}")")
    echo "$name failover round $round: $f"
    total=$((total + $(field "$f" failover_ms)))
    stop_cluster 2>/dev/null
  done
  eval "${name}_failover=$((total / rounds))"
done
echo "ratio acord/etcd put ops/s, 1 member: $(echo "scale=2; $acord_put_1 / $etcd_put_1" | bc)"
echo "ratio acord/etcd put ops/s, 3 members: $(echo "scale=2; $acord_put_3 / $etcd_put_3" | bc)"
echo "mean failover (kill -9 leader -> next write): etcd ${etcd_failover} ms, acord ${acord_failover} ms"
