#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest: the unit
# tests (pure cores, storage) and the integration tests (real acord processes
# on 127.0.0.1, driven by etcdctl and our own client, with etcd as the oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
scripts/build.sh
# Integration tests start servers; run them one at a time on this 2-core machine.
ctest --test-dir build --output-on-failure --timeout 600 "$@"
echo "test suite wall time: $(( $(date +%s) - start )) s"
