#!/usr/bin/env bash
# A local acord cluster on 127.0.0.1 to try things with.
#
#   scripts/cluster.sh start [N]   start N members (default 3), data in ./data/cluster
#   scripts/cluster.sh status      etcdctl's view of every member
#   scripts/cluster.sh stop        stop the members this script started (by pid)
#
# Member k listens for clients on 127.0.0.1:<2379 + 100(k-1)> and for peers on
# 127.0.0.1:<2380 + 100(k-1)>. Starting again on the same data continues the
# cluster where it was.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=data/cluster
cmd=${1:-status}
n=${2:-3}

endpoints() {
  local list="" f
  for f in "$dir"/*.endpoint; do
    [[ -f $f ]] && list+="${list:+,}$(cat "$f")"
  done
  echo "$list"
}

case $cmd in
  start)
    [[ -x build/acord ]] || { scripts/install-deps.sh && scripts/build.sh; }
    mkdir -p "$dir"
    initial=""
    for k in $(seq 1 "$n"); do
      initial+="${initial:+,}m$k=http://127.0.0.1:$((2380 + 100 * (k - 1)))"
    done
    for k in $(seq 1 "$n"); do
      if [[ -f $dir/m$k.pid ]] && kill -0 "$(cat "$dir/m$k.pid")" 2>/dev/null; then
        echo "m$k is already running (pid $(cat "$dir/m$k.pid"))"
        continue
      fi
      client=127.0.0.1:$((2379 + 100 * (k - 1)))
      peer=http://127.0.0.1:$((2380 + 100 * (k - 1)))
      build/acord --name "m$k" --data-dir "$dir/m$k" \
        --listen-client-urls "http://$client" --advertise-client-urls "http://$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "$initial" >>"$dir/m$k.log" 2>&1 &
      echo $! >"$dir/m$k.pid"
      echo "$client" >"$dir/m$k.endpoint"
      echo "started m$k (pid $!) for clients on $client, log in $dir/m$k.log"
    done
    # Wait (bounded) until every member answers.
    for _ in $(seq 1 100); do
      etcdctl --endpoints "$(endpoints)" --dial-timeout 1s endpoint health >/dev/null 2>&1 && break
      sleep 0.2
    done
    etcdctl --endpoints "$(endpoints)" endpoint status -w table
    echo "try: etcdctl --endpoints $(endpoints) put greeting hello"
    ;;
  status)
    [[ -n $(endpoints) ]] || { echo "no cluster started here (scripts/cluster.sh start)"; exit 1; }
    etcdctl --endpoints "$(endpoints)" endpoint status -w table
    etcdctl --endpoints "$(endpoints)" member list -w table
    ;;
  stop)
    for f in "$dir"/*.pid; do
      [[ -f $f ]] || continue
      pid=$(cat "$f")
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "stopped $(basename "$f" .pid) (pid $pid)"
      fi
      rm -f "$f"
    done
    ;;
  *)
    echo "usage: scripts/cluster.sh start [N] | status | stop"; exit 2 ;;
esac
