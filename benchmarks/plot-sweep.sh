#!/usr/bin/env bash
# Plots a put sweep (lines "server clients ops_per_s p50_ms p99_ms", written by
# benchmarks/vs-etcd.sh --sweep) as latency against throughput, one curve per
# server and percentile, with gnuplot.
#
#   benchmarks/plot-sweep.sh SWEEP.dat OUT.png MEMBERS
set -euo pipefail
data=$1 png=$2 members=${3:-3}
for s in etcd acord; do awk -v s="$s" '$1 == s' "$data" >"$data.$s"; done
gnuplot <<PLOT
set terminal pngcairo size 900,560 font ",11"
set output "$png"
set title "put latency against throughput, $members member(s), 256-byte values, 1..512 closed-loop clients"
set xlabel "puts per second"
set ylabel "latency (ms)"
set logscale y
set grid
set key top left
plot "$data.etcd"  using 3:5 with linespoints lw 2 pt 7 lc rgb "#c0392b" title "etcd p99", \
     "$data.etcd"  using 3:4 with linespoints lw 2 pt 6 dt 2 lc rgb "#c0392b" title "etcd p50", \
     "$data.acord" using 3:5 with linespoints lw 2 pt 5 lc rgb "#2471a3" title "acord p99", \
     "$data.acord" using 3:4 with linespoints lw 2 pt 4 dt 2 lc rgb "#2471a3" title "acord p50"
PLOT
rm -f "$data.etcd" "$data.acord"
echo "plotted $png"
