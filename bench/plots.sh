#!/usr/bin/env bash
# Run every figure script bench/fig_*.sh, each of which writes CSV into the
# output directory, then render bench/<name>.gp for each CSV as PNG and SVG.
# Called by `cmake --build build --target plots` with:
#   MMU_SIM=<cli> BENCH_DIR=<dir of bench_* programs> GNUPLOT=<gnuplot>
# usage: plots.sh OUTDIR [FIGURE ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: plots.sh OUTDIR [FIGURE ...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
: "${MMU_SIM:?MMU_SIM must name the mmu-sim binary}"
: "${BENCH_DIR:?BENCH_DIR must name the directory of the bench_* programs}"
GNUPLOT=${GNUPLOT:-gnuplot}
export MMU_SIM BENCH_DIR SRC_DIR="$(dirname "$here")"
if ! command -v "$GNUPLOT" >/dev/null; then
	echo "plots: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 1
fi

figs=("$@")
if [ ${#figs[@]} -eq 0 ]; then
	for f in "$here"/fig_*.sh; do
		[ -e "$f" ] && figs+=("$(basename "$f" .sh | sed 's/^fig_//')")
	done
fi
start=$(date +%s)
failed=()
for name in "${figs[@]}"; do
	t0=$(date +%s)
	echo "== $name"
	# each script writes $out/$name*.csv (atomically: temp then rename);
	# one broken figure must not hide the others: carry on, fail at the end
	if ! bash "$here/fig_$name.sh" "$out"; then
		echo "   $name: FAILED (data)" >&2
		failed+=("$name")
		continue
	fi
	for fmt in png svg; do
		if ! "$GNUPLOT" -e "datadir='$out'; fmt='$fmt'; out='$out/$name.$fmt'" \
			"$here/$name.gp"; then
			echo "   $name: FAILED (gnuplot $fmt)" >&2
			failed+=("$name")
			continue 2
		fi
	done
	echo "   $name: $(( $(date +%s) - t0 )) s -> $out/$name.png, $out/$name.svg"
done
echo "plots: ${#figs[@]} figures in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
	echo "plots: failed: ${failed[*]}" >&2
	exit 1
fi
