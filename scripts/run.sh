#!/usr/bin/env bash
# Installs what is missing, builds, and starts one acord node on 127.0.0.1:2379
# with its data under ./data. Stop it with Ctrl-C; start it again and it
# continues where it was.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

echo
echo "acord is starting on 127.0.0.1:2379 (data in ./data). In another shell, try:"
echo "  etcdctl --endpoints=127.0.0.1:2379 put greeting hello"
echo "  etcdctl --endpoints=127.0.0.1:2379 get greeting -w json"
echo
exec build/acord \
  --name default \
  --data-dir ./data \
  --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 \
  --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster default=http://127.0.0.1:2380 \
  "$@"
