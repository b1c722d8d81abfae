#!/usr/bin/env bash
# Calibration figure: measured (bench/probe.c on real hardware, committed
# under traces/hw/) vs simulated pointer-chase latency per N.
# Output: $1/calib.csv (all probe-*.csv files concatenated, with a leading
# "machine" column naming the file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
tmp="$out/.calib.csv.tmp"
echo "machine,pagesize,order,pages,measured_ns,sim_ns,measured_norm,sim_norm" >"$tmp"
for f in "$SRC_DIR"/traces/hw/probe-*.csv; do
	m=$(basename "$f" .csv | sed 's/^probe-//')
	"$BENCH_DIR/bench_calib" "$f" | tail -n +2 | sed "s/^/$m,/" >>"$tmp"
done
publish "$tmp" "$out/calib.csv"
