#!/usr/bin/env bash
# acord against the real etcd (Debian's etcd-server), side by side on this
# machine: the same cluster size, flags, client (build/benchmarks/acord-bench)
# and load, data dirs on the same disk. Each workload runs on a fresh cluster
# of each server in turn (the first server alternates); the members' CPU time
# and peak memory come from /proc. Prints a table and, last, one line of
# ratios, each acord ÷ etcd:
#   ratios put_qps=X range_qps=Y txn_qps=.. watch_events_per_s=Z lease_keepalive_qps=.. put_p99=.. rss=W
#          cpu_per_op=.. watch_cpu_per_event=.. mem_per_million_keys=..
# (rss: the highest peak of any workload, summed over the members; cpu_per_op:
# the put workload's members' CPU time per put; mem_per_million_keys: the
# members' memory growth while a million 256-byte keys are put, or 100,000
# scaled up with --quick.)
#
#   benchmarks/vs-etcd.sh [--quick] [--members 1|3] [--out DIR] [--sweep]
#     --quick   shorter runs and a 100k-key memory fill (under 5 minutes)
#     --sweep   also puts at 1..512 clients for latency against throughput,
#               written as DIR/sweep.dat and plotted as DIR/put-latency.png
#     --out     where the raw results go (default /tmp/acord-vs-etcd-<time>)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 members=3 sweep=0 out=""
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --members) members=$2; shift 2 ;;
    --sweep) sweep=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "vs-etcd.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
[[ $members == 1 || $members == 3 ]] || { echo "vs-etcd.sh: --members is 1 or 3" >&2; exit 2; }
[[ -x build/acord && -x build/benchmarks/acord-bench ]] || scripts/build.sh
command -v etcd >/dev/null || { echo "vs-etcd.sh: needs etcd: apt-get install etcd-server" >&2; exit 2; }
out=${out:-/tmp/acord-vs-etcd-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
# Data on the disk the project is on, as a user's would be.
work=$(mktemp -d "$PWD/.bench-XXXXXX")
cleanup() { stop_cluster; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
source benchmarks/lib.sh

# Writes and reads run a fixed number of requests (the same work, and so the
# same data, for both servers: their memory compares); keep-alives run for a
# fixed time (they add no data).
if ((quick)); then
  seconds=6 puts=100000 ranges=100000 txns=30000 fill_keys=100000 watch_puts=5000
else
  seconds=15 puts=300000 ranges=300000 txns=60000 fill_keys=1000000 watch_puts=20000
fi
conns=$((members * 4))
bench=(build/benchmarks/acord-bench --conns "$conns" --json --no-progress)
hz=$(getconf CLK_TCK)

# name: the acord-bench arguments of each workload (endpoints added per run).
declare -A workload=(
  [put]="--clients 256 --total $puts --key-space-size 100000 --val-size 256 put"
  [range]="--clients 256 --total $ranges --key-space-size 10000 --val-size 256 range"
  [txn]="--clients 256 --total $txns --key-space-size 100000 --val-size 256 txn-put --txn-ops 4"
  # 128 writers: enough puts that delivering the events, not the puts' fsyncs, sets the pace.
  [watch]="--clients 128 --total $watch_puts --val-size 64 watch --watchers 10000 --streams 100 --watched-keys 100"
  [lease_keepalive]="--clients 100 --total 0 --duration $seconds lease-keepalive --leases 10000"
)
order=(put range txn watch lease_keepalive)

ratio() { awk -v a="$1" -v e="$2" 'BEGIN { if (e > 0) printf "%.2f", a / e; else print "n/a" }'; }
binary_of() { if [[ $1 == acord ]]; then echo build/acord; else command -v etcd; fi; }

declare -A result cpu_us peak_mb
run_workload() {  # server name
  local server=$1 name=$2 t0 t1 json
  start_cluster "$server" "$(binary_of "$server")" "$members"
  t0=$(cluster_cpu_ticks)
  # shellcheck disable=SC2086
  json=$("${bench[@]}" --endpoints "$endpoints" ${workload[$name]}) || echo "  ($server $name reported errors)" >&2
  t1=$(cluster_cpu_ticks)
  result[$server.$name]=$json
  peak_mb[$server.$name]=$(awk -v k="$(cluster_kib VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')
  local ops
  ops=$(jget "$json" ops)
  cpu_us[$server.$name]=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="${ops:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print 0 }')
  echo "$json" >"$out/$server-$name.json"
  stop_cluster
}

# Memory of a million 256-byte keys: the members' resident memory before and
# after putting fill_keys distinct keys, scaled to a million.
declare -A mem_per_million
run_fill() {  # server
  local server=$1 before after
  start_cluster "$server" "$(binary_of "$server")" "$members"
  before=$(cluster_kib VmRSS)
  "${bench[@]}" --endpoints "$endpoints" --clients 256 --total "$fill_keys" --key-space-size "$fill_keys" \
    --sequential-keys --key-size 16 --val-size 256 put >"$out/$server-fill.json"
  after=$(cluster_kib VmRSS)
  mem_per_million[$server]=$(awk -v a="$after" -v b="$before" -v n="$fill_keys" \
    'BEGIN { printf "%.1f", (a - b) / 1024 * 1e6 / n }')
  stop_cluster
}

echo "acord vs etcd $(etcd --version | awk '/etcd Version/ {print $3}'), $members member(s), $(nproc) cores," \
  "$( ((quick)) && echo quick || echo full) run; raw results in $out"
first=etcd
for name in "${order[@]}"; do
  second=acord; [[ $first == acord ]] && second=etcd
  echo "  $name ..." >&2
  run_workload "$first" "$name"
  run_workload "$second" "$name"
  first=$second
done
echo "  memory fill ($fill_keys keys) ..." >&2
run_fill etcd
run_fill acord

if ((sweep)); then
  : >"$out/sweep.dat"
  for clients in 1 8 32 128 512; do
    echo "  sweep: $clients clients ..." >&2
    for server in etcd acord; do
      start_cluster "$server" "$(binary_of "$server")" "$members"
      j=$("${bench[@]}" --endpoints "$endpoints" --clients "$clients" --total 0 --duration "$seconds" \
        --key-space-size 100000 --val-size 256 put)
      echo "$server $clients $(jget "$j" ops_per_s) $(jget "$j" p50_ms) $(jget "$j" p99_ms)" >>"$out/sweep.dat"
      stop_cluster
    done
  done
  if command -v gnuplot >/dev/null; then
    benchmarks/plot-sweep.sh "$out/sweep.dat" "$out/put-latency.png" "$members"
  else
    echo "no gnuplot (apt-get install gnuplot-nox): $out/sweep.dat not plotted" >&2
  fi
fi

printf '\n%-16s %-6s %10s %9s %9s %9s %9s %11s %9s %12s\n' workload server ops/s p50_ms p99_ms p999_ms errors peak_rss_mb \
  cpu_us/op client_us/op
for name in "${order[@]}"; do
  for server in etcd acord; do
    j=${result[$server.$name]}
    printf '%-16s %-6s %10.0f %9.2f %9.2f %9.2f %9.0f %11s %9s %12s\n' "$name" "$server" "$(jget "$j" ops_per_s)" \
      "$(jget "$j" p50_ms)" "$(jget "$j" p99_ms)" "$(jget "$j" p999_ms)" "$(jget "$j" errors)" \
      "${peak_mb[$server.$name]}" "${cpu_us[$server.$name]}" \
      "$(awk -v c="$(jget "$j" client_cpu_s)" -v n="$(jget "$j" ops)" 'BEGIN { if (n > 0) printf "%.1f", c * 1e6 / n }')"
  done
done
echo "(watch: ops are events delivered, latency is put->event; txn: 4 puts per txn;" \
  "cpu_us/op: the members' CPU, client_us/op: acord-bench's own, on the same cores)"
echo "memory per million 256-byte keys (all members): etcd ${mem_per_million[etcd]} MB, acord ${mem_per_million[acord]} MB"

max_peak() {
  local server=$1 m=0 name
  for name in "${order[@]}"; do m=$(awk -v a="$m" -v b="${peak_mb[$server.$name]}" 'BEGIN { print (b > a ? b : a) }'); done
  echo "$m"
}
r() { ratio "$(jget "${result[acord.$1]}" "$2")" "$(jget "${result[etcd.$1]}" "$2")"; }
echo "ratios put_qps=$(r put ops_per_s) range_qps=$(r range ops_per_s) txn_qps=$(r txn ops_per_s)" \
  "watch_events_per_s=$(r watch ops_per_s) lease_keepalive_qps=$(r lease_keepalive ops_per_s)" \
  "put_p99=$(r put p99_ms) rss=$(ratio "$(max_peak acord)" "$(max_peak etcd)")" \
  "cpu_per_op=$(ratio "${cpu_us[acord.put]}" "${cpu_us[etcd.put]}")" \
  "watch_cpu_per_event=$(ratio "${cpu_us[acord.watch]}" "${cpu_us[etcd.watch]}")" \
  "mem_per_million_keys=$(ratio "${mem_per_million[acord]}" "${mem_per_million[etcd]}")"
