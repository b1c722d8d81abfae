#!/usr/bin/env bash
# Time the `plots` target from an empty build directory and record the
# times in BUILD_DIR/plots/plots_time.csv (what,seconds), next to the
# figures' CSVs, for bench/update_figures.sh and bench/readme.sh.
# usage: bench/time_plots.sh BUILD_DIR   (BUILD_DIR is deleted first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
b=${1:?usage: time_plots.sh BUILD_DIR}
rm -rf "$b"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s)
cmake -S "$here/.." -B "$b" >/dev/null
cmake --build "$b" -j2 --target plots | tee "$log"
t1=$(date +%s)
plots=$(sed -n 's/^plots: .* figures in \([0-9]*\) s$/\1/p' "$log")
tp=$(sed -n 's/^ *throughput: \([0-9]*\) s .*/\1/p' "$log")
printf 'what,seconds\nclean_build_and_plots,%d\nplots_only,%s\nthroughput,%s\nload,%s\n' \
	"$((t1 - t0))" "$plots" "$tp" "$load" >"$b/plots/.plots_time.csv"
mv -f "$b/plots/.plots_time.csv" "$b/plots/plots_time.csv"
