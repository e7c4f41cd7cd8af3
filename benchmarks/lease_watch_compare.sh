#!/usr/bin/env bash
# Watches and leases, acord against the real etcd (Debian's etcd-server): each
# server on a fresh data dir on the same disk, one after the other, driven by
# the same load generators. Prints each one's figures and the ratios.
#
#   benchmarks/lease_watch_compare.sh [--watchers N] [--leases N] [--puts N] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
watchers=10000 leases=10000 puts=20000 seconds=10
while (($#)); do
  case $1 in
    --watchers) watchers=$2; shift 2 ;;
    --leases) leases=$2; shift 2 ;;
    --puts) puts=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "unknown flag $1"; exit 2 ;;
  esac
done
[[ -x build/benchmarks/watch_bench && -x build/benchmarks/lease_bench && -x build/acord ]] \
  || { echo "build first: scripts/build.sh"; exit 2; }
command -v etcd >/dev/null || { echo "needs etcd (apt-get install etcd-server)"; exit 2; }
work=$(mktemp -d /tmp/acord-lw-bench-XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

source benchmarks/lib.sh
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$pid/stat"; }

declare -A out
for name in etcd acord; do
  bin=$(command -v etcd); [[ $name == acord ]] && bin=build/acord
  start_server "$name" "$bin" || exit 1
  out[$name.watch]="$(build/benchmarks/watch_bench --endpoint "127.0.0.1:$port" --server-pid "$pid" \
    --watchers "$watchers" --puts "$puts") cpu_s=$(cpu_s)"
  stop_server
  start_server "$name" "$bin" || exit 1
  out[$name.lease]="$(build/benchmarks/lease_bench --endpoint "127.0.0.1:$port" --server-pid "$pid" \
    --leases "$leases" --seconds "$seconds") cpu_s=$(cpu_s)"
  stop_server
done
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
for w in watch lease; do
  echo "etcd  $w: ${out[etcd.$w]}"
  echo "acord $w: ${out[acord.$w]}"
done
ratios=""
for k in create_s kb_per_watcher rss_watching_mb put_ops_per_s p50_ms p99_ms cpu_s; do
  e=$(field "${out[etcd.watch]}" $k) a=$(field "${out[acord.watch]}" $k)
  ratios+=" watch_$k=$(echo "scale=2; $a / $e" | bc 2>/dev/null || echo n/a)"
done
for k in grants_per_s kb_per_lease rss_leases_mb keepalives_per_s p50_ms p99_ms cpu_s; do
  e=$(field "${out[etcd.lease]}" $k) a=$(field "${out[acord.lease]}" $k)
  ratios+=" lease_$k=$(echo "scale=2; $a / $e" | bc 2>/dev/null || echo n/a)"
done
echo "ratios (acord/etcd):$ratios"
