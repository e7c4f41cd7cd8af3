# Shared by the comparison scripts (sourced): one server, acord or etcd, on
# free loopback ports with a fresh data dir under $work. start_server sets
# $pid and $port; stop_server kills that pid.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

start_server() {  # name binary
  local name=$1 bin=$2 peer
  port=$(free_port); peer=$(free_port)
  rm -rf "${work:?}/$name"
  "$bin" --name bench --data-dir "$work/$name" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "bench=http://127.0.0.1:$peer" >"$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    etcdctl --endpoints "127.0.0.1:$port" --dial-timeout 1s endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$name did not start"
  return 1
}

stop_server() { kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
