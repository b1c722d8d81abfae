#!/usr/bin/env bash
# Build the libFuzzer harnesses with clang (-fsanitize=fuzzer,address,
# undefined) and run each for SECONDS.
#   usage: tests/fuzz/run.sh SECONDS [fuzz_name ...]
# Build dir: $MSIM_FUZZ_BUILD (default build-fuzz/ at the top of the tree);
# inputs are capped at $MSIM_FUZZ_MAX_LEN bytes (default 16384).
# New corpus entries go to <build>/fuzz-corpus/<harness>/, crashes to
# <build>/fuzz-artifacts/<harness>/. Exit status: 0 if no harness found a
# crash, leak, timeout or property violation; 1 otherwise; 2 on usage or
# build errors. Turn every artifact into a regression test under tests/.
set -u
secs=${1:-}
if [[ ! $secs =~ ^[0-9]+$ ]]; then
	echo "usage: $0 SECONDS [fuzz_name ...]" >&2
	exit 2
fi
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${MSIM_FUZZ_BUILD:-$root/build-fuzz}
here=$root/tests/fuzz

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMU_SIM_FUZZ=ON \
	-DMMU_SIM_TESTS=OFF -DMMU_SIM_BENCH=OFF >/dev/null || exit 2
cmake --build "$build" --target fuzz -j"$(nproc)" >/dev/null || {
	echo "run.sh: build failed (rerun: cmake --build $build --target fuzz)" >&2
	exit 2
}

# Seed directories per harness (missing ones are skipped).
seeds_for() {
	case $1 in
	fuzz_trace_text) echo "$here/seeds/trace_text $root/traces $root/tests/traces $root/tests/malformed" ;;
	fuzz_trace_bin) echo "$here/seeds/trace_bin" ;;
	fuzz_cost_config) echo "$here/seeds/cost_config" ;;
	fuzz_import) echo "$here/seeds/import" ;;
	*) echo "$here/seeds/${1#fuzz_}" ;;
	esac
}
dict_for() {
	case $1 in
	fuzz_trace_text) echo "$here/trace.dict" ;;
	fuzz_trace_bin) echo "" ;;
	*) [ -f "$here/${1#fuzz_}.dict" ] && echo "$here/${1#fuzz_}.dict" ;;
	esac
}

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for src in "$here"/fuzz_*.c; do
		names+=("$(basename "$src" .c)")
	done
fi

status=0
for name in "${names[@]}"; do
	bin=$build/tests/fuzz/$name
	if [ ! -x "$bin" ]; then
		echo "run.sh: $name was not built" >&2
		status=1
		continue
	fi
	corpus=$build/fuzz-corpus/$name
	art=$build/fuzz-artifacts/$name
	mkdir -p "$corpus" "$art"
	dirs=()
	for d in $(seeds_for "$name"); do
		[ -d "$d" ] && dirs+=("$d")
	done
	dict=$(dict_for "$name")
	# Big seeds (traces/wp-storm.trace is 1 MB) would set max_len and slow
	# every run 20-fold; the readers' limits are covered by unit tests.
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
	      -max_len="${MSIM_FUZZ_MAX_LEN:-16384}"
	      -artifact_prefix="$art/" -print_final_stats=1)
	[ -n "$dict" ] && opts+=(-dict="$dict")
	echo "== $name for ${secs}s (seeds: ${dirs[*]:-none})"
	if ! "$bin" "${opts[@]}" "$corpus" "${dirs[@]}" >"$build/$name.log" 2>&1; then
		echo "!! $name FAILED; see $build/$name.log and $art/" >&2
		tail -n 30 "$build/$name.log" >&2
		status=1
	else
		grep -E "stat::number_of_executed_units|stat::new_units_added" \
			"$build/$name.log" | sed 's/^/   /'
	fi
done
exit $status
