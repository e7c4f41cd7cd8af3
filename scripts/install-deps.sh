#!/usr/bin/env bash
# Installs what acord needs to build and test from Debian 12's packages, if any
# of it is missing. Safe to run again: it does nothing when all is there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libmsgpack-cxx-dev librocksdb-dev catch2
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libssl-dev
  libcli11-dev
  libjemalloc-dev   # the server's allocator (CMakeLists.txt says why)
  etcd-client   # etcdctl: our first client and the tests' driver
  etcd-server   # the real etcd: the tests' oracle and the benchmarks' baseline
  gnuplot-nox   # benchmarks/vs-etcd.sh --sweep plots latency against throughput
  golang-go golang-etcd-server-dev   # etcd's own e2e tests (scripts/e2e.sh), built from Debian's source
  openssl       # the TLS tests make their certificates with it
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
