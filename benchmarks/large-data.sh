#!/usr/bin/env bash
# Data larger than memory: each server (one member) runs in a memory cgroup
# limited to --limit-mib (default 1024), is loaded with --gib of 1 KiB values
# (default 4: 4 Mi distinct keys, incompressible), then serves random
# serializable gets over the whole key space. Reports for acord and etcd (Debian's etcd-server), in
# turn: load rate and errors, whether the member survived, its peak resident
# memory and the cgroup's peak charge, disk use, and the gets' p50/p99.
# etcd's bbolt file is mmapped, so its pages count against the limit; RocksDB
# reads through a bounded block cache and acord keeps only keys in memory.
#
#   benchmarks/large-data.sh [--gib N] [--limit-mib M] [--gets N] [--max-load-s S] [--only acord|etcd] [--out DIR]
#
# A server that falls behind is not waited for: the load stops after
# --max-load-s (default 1800), and what the server holds then is reported.
#
# Needs root (cgroup v1 /sys/fs/cgroup/memory/<name>, or v2's memory.max) and
# about 2.5x --gib of free disk per server. Both servers get
# --quota-backend-bytes 4x the data (etcd warns past 8 GiB but takes it).
set -euo pipefail
cd "$(dirname "$0")/.."
gib=4 limit_mib=1024 gets=20000 only="" out="" max_load_s=1800
while (($#)); do
  case $1 in
    --gib) gib=$2; shift 2 ;;
    --limit-mib) limit_mib=$2; shift 2 ;;
    --gets) gets=$2; shift 2 ;;
    --max-load-s) max_load_s=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "large-data.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
[[ $gib =~ ^[1-9][0-9]*$ && $limit_mib =~ ^[1-9][0-9]*$ ]] || { echo "large-data.sh: --gib and --limit-mib are whole numbers" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "large-data.sh: needs root for the memory cgroup" >&2; exit 2; }
[[ -x build/acord && -x build/benchmarks/acord-bench ]] || scripts/build.sh
command -v etcd >/dev/null || { echo "large-data.sh: needs etcd: apt-get install etcd-server" >&2; exit 2; }
out=${out:-/tmp/acord-large-data-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
work=$(mktemp -d "$PWD/.large-XXXXXX")  # the project's disk, as a user's data would be
source benchmarks/lib.sh

keys=$((gib * 1024 * 1024))  # 1 KiB values
quota=$((gib * 4 * 1024 * 1024 * 1024))
cg_name="acord-large-data-$$"
if [[ -d /sys/fs/cgroup/memory ]]; then
  cg=/sys/fs/cgroup/memory/$cg_name
  cg_limit=memory.limit_in_bytes cg_peak=memory.max_usage_in_bytes
else
  cg=/sys/fs/cgroup/$cg_name
  cg_limit=memory.max cg_peak=memory.peak
fi

cleanup() {
  stop_cluster
  [[ -d $cg ]] && rmdir "$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { member_alive "${cluster_pids[0]}"; }
hwm_mb() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/${cluster_pids[0]}/status" 2>/dev/null || echo "?"; }

# The member runs inside a fresh memory cgroup: the shell joins the cgroup,
# then execs the server, so every page it ever touches is charged there.
# shellcheck disable=SC2016
member_launch=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg")
member_flags=(--quota-backend-bytes "$quota")
fresh_cgroup() {
  [[ -d $cg ]] && rmdir "$cg"
  mkdir "$cg"
  echo $((limit_mib * 1024 * 1024)) >"$cg/$cg_limit"
  # Swap is off on these machines; where it is on, keep it out of the figures.
  [[ -f $cg/memory.memsw.limit_in_bytes ]] && echo $((limit_mib * 1024 * 1024)) >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true
}

echo "large data: $gib GiB of 1 KiB values ($keys keys), one member each in a ${limit_mib} MiB memory cgroup;" \
  "raw results in $out"
printf '%-6s %10s %8s %8s %12s %12s %10s %9s %9s  %s\n' server load_s puts/s errors peak_rss_mb cgroup_peak_mb disk_mb get_p50 get_p99 survived
for server in acord etcd; do
  [[ -n $only && $only != "$server" ]] && continue
  bin=build/acord; [[ $server == etcd ]] && bin=$(command -v etcd)
  fresh_cgroup
  start_cluster "$server" "$bin" 1
  t0=$(date +%s.%N)
  capped="" rc=0
  load=$(timeout -s INT "$max_load_s" build/benchmarks/acord-bench --endpoints "$endpoints" --conns 8 --clients 128 --total "$keys" \
    --key-space-size "$keys" --sequential-keys --random-values --key-size 16 --val-size 1024 --json --no-progress put \
    2>"$out/$server-load.err") || rc=$?
  ((rc == 124)) && capped=yes
  t1=$(date +%s.%N)
  echo "$load" >"$out/$server-load.json"
  get_p50="-" get_p99="-" survived=no
  if [[ -n $capped ]]; then
    # Stopped at the cap: how far it got, if it still answers at all.
    rev=$(timeout 60 etcdctl --endpoints "$endpoints" --command-timeout 50s endpoint status -w json 2>/dev/null |
      sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
    load="{\"ops_per_s\":$(awk -v r="${rev:-0}" -v t="$max_load_s" 'BEGIN { printf "%.1f", r / t }'),\"errors\":0}"
    note="load stopped after ${max_load_s} s at revision ${rev:-? (no answer to a status in 60 s)}"
  fi
  if alive && [[ -z $capped ]]; then
    get=$(timeout 600 build/benchmarks/acord-bench --endpoints "$endpoints" --conns 4 --clients 16 --total "$gets" \
      --key-space-size "$keys" --key-size 16 --json --no-progress range --no-prefill --consistency s \
      2>"$out/$server-get.err") || true
    echo "$get" >"$out/$server-get.json"
    get_p50=$(jget "$get" p50_ms) get_p99=$(jget "$get" p99_ms)
    alive && survived=yes
  fi
  peak=$(hwm_mb)
  cg_peak_mb=$(awk '{printf "%.0f", $1 / 1048576}' "$cg/$cg_peak" 2>/dev/null || echo "?")
  disk=$(du -sm "$cluster_dir" | awk '{print $1}')
  cp "$work/$server-m0.log" "$out/$server.log"
  [[ $survived == no && -z $capped ]] && survived="no: $(tail -n 2 "$out/$server.log" | tr '\n' ' ' | cut -c1-160)"
  [[ -n $capped ]] && survived="$(alive && echo "running, " || echo "dead, ")$note"
  printf '%-6s %10.0f %8s %8s %12s %12s %10s %9s %9s  %s\n' "$server" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    "$(jget "$load" ops_per_s)" "$(jget "$load" errors)" "$peak" "$cg_peak_mb" "$disk" "$get_p50" "$get_p99" "$survived"
  stop_cluster
done
