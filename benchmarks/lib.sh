# Shared by the comparison scripts (sourced): a cluster of acord or etcd
# members on free loopback ports, each with a fresh data dir under $work, all
# with the same flags (etcd's default timers).
#
#   start_cluster NAME BINARY N   sets cluster_pids (array) and endpoints (a,b,c)
#   stop_cluster                  kill -9 of exactly those pids, data removed
#   start_server NAME BINARY      one member: also sets $pid and $port
#   stop_server
#   jget JSON FIELD               a number field of acord-bench's --json line
#   leader_endpoint               the started cluster's leader, host:port
#   member_alive PID              the member runs (not exited, not a zombie)
# A caller may set member_launch (a command each member runs under, e.g. one
# that joins a cgroup) and member_flags (flags added to every member's).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

cluster_pids=()
endpoints=""
cluster_dir=""
member_launch=()
member_flags=()

member_alive() { kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# A member that exits at once (most often: a port free_port found was taken
# by someone else in between) gets the whole cluster started again on new
# ports, up to three times.
start_cluster() {  # name binary members
  local attempt
  for attempt in 1 2 3; do
    start_cluster_once "$@" && return 0
    echo "$1 did not start (attempt $attempt): $(tail -qn1 "$work/$1"-m*.log 2>/dev/null | head -c 300)" >&2
    stop_cluster
  done
  return 1
}

start_cluster_once() {  # name binary members
  local name=$1 bin=$2 n=$3 k p initial="" cports=() pports=()
  cluster_dir="$work/$name-data"
  rm -rf "${cluster_dir:?}"
  mkdir -p "$cluster_dir"
  for ((k = 0; k < n; k++)); do cports+=("$(free_port)"); pports+=("$(free_port)"); done
  for ((k = 0; k < n; k++)); do initial+="${initial:+,}m$k=http://127.0.0.1:${pports[k]}"; done
  cluster_pids=(); endpoints=""
  for ((k = 0; k < n; k++)); do
    "${member_launch[@]}" "$bin" --name "m$k" --data-dir "$cluster_dir/m$k" \
      --listen-client-urls "http://127.0.0.1:${cports[k]}" --advertise-client-urls "http://127.0.0.1:${cports[k]}" \
      --listen-peer-urls "http://127.0.0.1:${pports[k]}" --initial-advertise-peer-urls "http://127.0.0.1:${pports[k]}" \
      --initial-cluster "$initial" --initial-cluster-state new "${member_flags[@]}" >"$work/$name-m$k.log" 2>&1 &
    cluster_pids+=($!)
    endpoints+="${endpoints:+,}127.0.0.1:${cports[k]}"
  done
  for _ in $(seq 1 150); do
    etcdctl --endpoints "$endpoints" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1 \
      && etcdctl --endpoints "$endpoints" --command-timeout 2s put bench/ready 1 >/dev/null 2>&1 && return 0
    for p in "${cluster_pids[@]}"; do member_alive "$p" || break 2; done  # one exited: it will not come
    sleep 0.2
  done
  return 1
}

stop_cluster() {
  local p
  for p in "${cluster_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${cluster_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  cluster_pids=()
  [[ -n $cluster_dir ]] && rm -rf "${cluster_dir:?}"
  cluster_dir=""
}

# Sum over the cluster's members of a /proc figure: cpu ticks, or a status
# line's KiB (VmRSS, VmHWM).
cluster_cpu_ticks() {
  local p s=0
  for p in "${cluster_pids[@]}"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$s"
}
cluster_kib() {  # VmRSS | VmHWM
  local p s=0
  for p in "${cluster_pids[@]}"; do s=$((s + $(awk -v k="$1:" '$1 == k {print $2}' "/proc/$p/status"))); done
  echo "$s"
}

jget() { sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" <<<"$1"; }

leader_endpoint() {
  etcdctl --endpoints "$endpoints" --command-timeout 5s endpoint status -w json 2>/dev/null | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["Status"]["header"]["member_id"] == s["Status"]["leader"]:
        print(s["Endpoint"]); break'
}

start_server() {  # name binary
  start_cluster "$1" "$2" 1 || return 1
  pid=${cluster_pids[0]}
  port=${endpoints##*:}
}

stop_server() { stop_cluster; pid=""; }
