#!/usr/bin/env bash
# Determinism: the same trace, options and seed give byte-identical output
# across runs and between an -O0 and an -O2 build of the CLI.
set -euo pipefail
src=$1 bin=$2 cli=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake -S "$src" -B "$tmp/o0" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG=-O0 \
	-DMMU_SIM_TESTS=OFF -DMMU_SIM_BENCH=OFF >/dev/null
cmake --build "$tmp/o0" --target mmu-sim -j2 >/dev/null
cmake -S "$src" -B "$tmp/o2" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE=-O2 \
	-DMMU_SIM_TESTS=OFF -DMMU_SIM_BENCH=OFF >/dev/null
cmake --build "$tmp/o2" --target mmu-sim -j2 >/dev/null

run() { # run BINARY NAME ARGS...
	local b=$1 n=$2; shift 2
	"$b" "$@" > "$tmp/$n.out"
}
cases=()
for t in "$src"/traces/*.trace; do
	cases+=("replay --format csv $t")
done
# workloads, if built: generated traces must be identical too
for w in $("$cli" help workloads | awk '/^[a-z0-9-]+$/'); do
	cases+=("gen $w --seed 7")
done
i=0
for c in "${cases[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	run "$tmp/o0/mmu-sim" "o0-$i" $c
	# shellcheck disable=SC2086
	run "$tmp/o2/mmu-sim" "o2-$i" $c
	# shellcheck disable=SC2086
	run "$cli" "cur-$i" $c
	# shellcheck disable=SC2086
	run "$cli" "cur2-$i" $c
	cmp "$tmp/o0-$i.out" "$tmp/o2-$i.out" || { echo "-O0 vs -O2 differ: $c"; exit 1; }
	cmp "$tmp/cur-$i.out" "$tmp/cur2-$i.out" || { echo "two runs differ: $c"; exit 1; }
	cmp "$tmp/cur-$i.out" "$tmp/o2-$i.out" || { echo "build under test differs: $c"; exit 1; }
done
echo "determinism: ${#cases[@]} cases identical across runs and -O0/-O2"
