#!/usr/bin/env bash
# acord against the real etcd (Debian's etcd-server), side by side on this
# machine: the same cluster size, flags, client (build/benchmarks/acord-bench)
# and load, data dirs on the same disk. Each workload runs on a fresh cluster
# of each server in turn (the first server alternates); the members' CPU time
# and peak memory come from /proc. Prints a table and, last, one line of
# ratios, each acord ÷ etcd:
#   ratios put_qps=X range_qps=Y txn_qps=.. watch_events_per_s=Z lease_keepalive_qps=.. put_p99=.. rss=W
#          cpu_per_op=.. range_cpu_per_op=.. watch_cpu_per_event=.. mem_per_million_keys=..
#          put1_p50=.. put1_p99=.. get1_p50=.. keepalive1_p50=..
# (rss: the highest peak of any workload, summed over the members; cpu_per_op:
# the put workload's members' CPU time per put, range_cpu_per_op the same per
# linearizable range; put1, get1, keepalive1: one client, one request at a
# time, against the leader (serial puts, serializable gets, keep-alives of one
# lease), the latency a lock or an election sees; mem_per_million_keys: the
# members' memory growth while a million 256-byte keys are put, or 100,000
# scaled up with --quick.) This machine's speed moves by a third between runs,
# so the whole alternation runs --rounds times: the table shows each figure's
# median over the rounds, and each ratio is the median of the rounds' ratios.
#
#   benchmarks/vs-etcd.sh [--quick] [--rounds N] [--members 1|3] [--out DIR] [--sweep]
#     --quick   shorter runs and a 100k-key memory fill (about 6 minutes a round)
#     --rounds  alternations to take medians over (default 3)
#     --sweep   also puts at 1..512 clients for latency against throughput,
#               written as DIR/sweep.dat and plotted as DIR/put-latency.png
#     --out     where the raw results go (default /tmp/acord-vs-etcd-<time>)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 members=3 sweep=0 out="" rounds=3
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --members) members=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --sweep) sweep=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "vs-etcd.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
[[ $members == 1 || $members == 3 ]] || { echo "vs-etcd.sh: --members is 1 or 3" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "vs-etcd.sh: --rounds is a positive number" >&2; exit 2; }
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
  seconds=6 puts=100000 ranges=100000 txns=30000 fill_keys=100000 watch_puts=5000 serial=2000
else
  seconds=15 puts=300000 ranges=300000 txns=60000 fill_keys=1000000 watch_puts=20000 serial=10000
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
  [put1]="--clients 1 --total $serial --key-space-size 100000 --val-size 256 put"
  [get1]="--clients 1 --total $serial --key-space-size 1000 --val-size 256 range --consistency s"
  [keepalive1]="--clients 1 --total $serial lease-keepalive --leases 1"
)
order=(put range txn watch lease_keepalive put1 get1 keepalive1)
# One client's figures are the leader's: a follower adds its forwarding hop,
# and which member comes first in the list is chance.
declare -A to_leader=([put1]=1 [get1]=1 [keepalive1]=1)

ratio() { awk -v a="$1" -v e="$2" 'BEGIN { if (e > 0) printf "%.2f", a / e; else print "n/a" }'; }
binary_of() { if [[ $1 == acord ]]; then echo build/acord; else command -v etcd; fi; }

declare -A result cpu_us peak_mb
run_workload() {  # server name round
  local server=$1 name=$2 k=$3 t0 t1 json target
  start_cluster "$server" "$(binary_of "$server")" "$members"
  target=$endpoints
  [[ -n ${to_leader[$name]:-} ]] && target=$(leader_endpoint)
  t0=$(cluster_cpu_ticks)
  # shellcheck disable=SC2086
  json=$("${bench[@]}" --endpoints "$target" ${workload[$name]}) || echo "  ($server $name reported errors)" >&2
  t1=$(cluster_cpu_ticks)
  result[$server.$name.$k]=$json
  peak_mb[$server.$name.$k]=$(awk -v k="$(cluster_kib VmHWM)" 'BEGIN { printf "%.1f", k / 1024 }')
  local ops
  ops=$(jget "$json" ops)
  cpu_us[$server.$name.$k]=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="${ops:-0}" \
    'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print 0 }')
  echo "$json" >"$out/$server-$name-$k.json"
  stop_cluster
}

# Memory of a million 256-byte keys: the members' resident memory before and
# after putting fill_keys distinct keys, scaled to a million.
declare -A mem_per_million
run_fill() {  # server round
  local server=$1 k=$2 before after
  start_cluster "$server" "$(binary_of "$server")" "$members"
  before=$(cluster_kib VmRSS)
  "${bench[@]}" --endpoints "$endpoints" --clients 256 --total "$fill_keys" --key-space-size "$fill_keys" \
    --sequential-keys --key-size 16 --val-size 256 put >"$out/$server-fill-$k.json"
  after=$(cluster_kib VmRSS)
  mem_per_million[$server.$k]=$(awk -v a="$after" -v b="$before" -v n="$fill_keys" \
    'BEGIN { printf "%.1f", (a - b) / 1024 * 1e6 / n }')
  stop_cluster
}

echo "acord vs etcd $(etcd --version | awk '/etcd Version/ {print $3}'), $members member(s), $(nproc) cores," \
  "$( ((quick)) && echo quick || echo full) run, $rounds round(s); raw results in $out"
first=etcd
for ((k = 1; k <= rounds; k++)); do
  for name in "${order[@]}"; do
    second=acord; [[ $first == acord ]] && second=etcd
    echo "  round $k: $name ..." >&2
    run_workload "$first" "$name" "$k"
    run_workload "$second" "$name" "$k"
    first=$second
  done
  echo "  round $k: memory fill ($fill_keys keys) ..." >&2
  second=acord; [[ $first == acord ]] && second=etcd
  run_fill "$first" "$k"
  run_fill "$second" "$k"
done

# The median of the numbers given (n/a ignored).
median() {
  printf '%s\n' "$@" | awk '$1 != "n/a"' | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# A figure's median over the rounds: a field of a workload's JSON, its CPU or its peak.
med_field() {  # server name field
  local k vals=()
  for ((k = 1; k <= rounds; k++)); do vals+=("$(jget "${result[$1.$2.$k]}" "$3")"); done
  median "${vals[@]}"
}
med_of() {  # array-name key: the median of arr[key.1] .. arr[key.rounds]
  local -n arr=$1
  local k vals=()
  for ((k = 1; k <= rounds; k++)); do vals+=("${arr[$2.$k]}"); done
  median "${vals[@]}"
}

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
    client=()
    for ((k = 1; k <= rounds; k++)); do
      j=${result[$server.$name.$k]}
      client+=("$(awk -v c="$(jget "$j" client_cpu_s)" -v n="$(jget "$j" ops)" 'BEGIN { if (n > 0) printf "%.1f", c * 1e6 / n }')")
    done
    printf '%-16s %-6s %10.0f %9.2f %9.2f %9.2f %9.0f %11s %9s %12s\n' "$name" "$server" \
      "$(med_field "$server" "$name" ops_per_s)" "$(med_field "$server" "$name" p50_ms)" \
      "$(med_field "$server" "$name" p99_ms)" "$(med_field "$server" "$name" p999_ms)" \
      "$(med_field "$server" "$name" errors)" "$(med_of peak_mb "$server.$name")" \
      "$(med_of cpu_us "$server.$name")" "$(median "${client[@]}")"
  done
done
echo "(medians of $rounds round(s); watch: ops are events delivered, latency is put->event; txn: 4 puts per txn;" \
  "cpu_us/op: the members' CPU, client_us/op: acord-bench's own, on the same cores)"
echo "memory per million 256-byte keys (all members): etcd $(med_of mem_per_million etcd) MB," \
  "acord $(med_of mem_per_million acord) MB"

max_peak() {  # server round
  local server=$1 k=$2 m=0 name
  for name in "${order[@]}"; do m=$(awk -v a="$m" -v b="${peak_mb[$server.$name.$k]}" 'BEGIN { print (b > a ? b : a) }'); done
  echo "$m"
}
# Each ratio: acord / etcd in each round, then the median of those.
round_ratios() {  # expression evaluated with $k set: prints one round's ratio
  local k vals=()
  for ((k = 1; k <= rounds; k++)); do vals+=("$(eval "$1")"); done
  median "${vals[@]}"
}
field_ratio() {  # name field
  round_ratios "ratio \"\$(jget \"\${result[acord.$1.\$k]}\" $2)\" \"\$(jget \"\${result[etcd.$1.\$k]}\" $2)\""
}
cpu_ratio() { round_ratios "ratio \"\${cpu_us[acord.$1.\$k]}\" \"\${cpu_us[etcd.$1.\$k]}\""; }
echo "ratios put_qps=$(field_ratio put ops_per_s) range_qps=$(field_ratio range ops_per_s)" \
  "txn_qps=$(field_ratio txn ops_per_s) watch_events_per_s=$(field_ratio watch ops_per_s)" \
  "lease_keepalive_qps=$(field_ratio lease_keepalive ops_per_s) put_p99=$(field_ratio put p99_ms)" \
  "rss=$(round_ratios 'ratio "$(max_peak acord "$k")" "$(max_peak etcd "$k")"')" \
  "cpu_per_op=$(cpu_ratio put) range_cpu_per_op=$(cpu_ratio range) watch_cpu_per_event=$(cpu_ratio watch)" \
  "mem_per_million_keys=$(round_ratios 'ratio "${mem_per_million[acord.$k]}" "${mem_per_million[etcd.$k]}"')" \
  "put1_p50=$(field_ratio put1 p50_ms) put1_p99=$(field_ratio put1 p99_ms) get1_p50=$(field_ratio get1 p50_ms)" \
  "keepalive1_p50=$(field_ratio keepalive1 p50_ms)"
