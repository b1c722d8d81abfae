#!/usr/bin/env bash
# mmu-sim sweep / merge: -j never changes a byte, shards merged (in any
# order, by hand or under GNU parallel) give exactly the unsharded output,
# and bad grids or shard sets are refused with exit 2 and a reason.
# Usage: sh_sweep.sh SRC BUILD CLI
set -uo pipefail
src=$1; cli=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
T=$src/traces
grid=(-p preset=5.10 -p "preset=6.4,prev_roots=8" -p bare --costs skylake-sp,zen4
      "$T/wp-storm.trace" "$T/walk-demo.trace")
fail=0
check() { if ! "$@"; then echo "FAIL: $*"; fail=1; fi; }
expect_rc() { # rc pattern cmd...
	local want=$1 pat=$2; shift 2
	"$@" >"$tmp/o" 2>"$tmp/e"; local rc=$?
	if [ $rc -ne "$want" ] || ! grep -q -- "$pat" "$tmp/e"; then
		echo "FAIL: '$*' exit $rc (want $want), stderr: $(cat "$tmp/e")"; fail=1
	fi
}
check "$cli" sweep -q "${grid[@]}" -j 1 -o "$tmp/j1.csv"
check "$cli" sweep -q "${grid[@]}" -j 2 -o "$tmp/j2.csv"
check cmp "$tmp/j1.csv" "$tmp/j2.csv"
# 2 traces x 2 costs x 3 policies = 12 points + header
check [ "$(wc -l < "$tmp/j1.csv")" -eq 13 ]
check grep -q '^5,12,.*/walk-demo.trace\|^5,12,.*/wp-storm.trace' "$tmp/j1.csv"
# point 4 = trace 0, cost 1 (zen4), policy 1, quoted (RFC 4180: it has a comma)
check grep -q '^4,12,[^,]*wp-storm.trace,zen4,"preset=6.4,prev_roots=8",' "$tmp/j1.csv"
for k in 0 1 2 3; do check "$cli" sweep -q "${grid[@]}" --shard $k/4 -o "$tmp/s$k.csv"; done
check "$cli" merge "$tmp/s3.csv" "$tmp/s1.csv" "$tmp/s0.csv" "$tmp/s2.csv" -o "$tmp/m.csv"
check cmp "$tmp/j1.csv" "$tmp/m.csv"
if command -v parallel >/dev/null; then
	parallel --will-cite -j 2 "$cli" sweep -q "${grid[@]}" --shard {}/3 -o "$tmp/p{}.csv" ::: 0 1 2 ||
		{ echo "FAIL: GNU parallel run"; fail=1; }
	check "$cli" merge "$tmp"/p0.csv "$tmp"/p1.csv "$tmp"/p2.csv -o "$tmp/pm.csv"
	check cmp "$tmp/j1.csv" "$tmp/pm.csv"
else
	echo "note: GNU parallel not installed (apt-get install parallel): its part skipped"
fi
expect_rc 2 "point 3 of 12 is in no shard" "$cli" merge "$tmp/s0.csv" "$tmp/s1.csv" "$tmp/s2.csv" -o "$tmp/x.csv"
expect_rc 2 "also in" "$cli" merge "$tmp/s0.csv" "$tmp/s0.csv" -o "$tmp/x.csv"
"$cli" sweep -q -p bare "$T/walk-demo.trace" -o "$tmp/other.csv"
expect_rc 2 "different sweeps" "$cli" merge "$tmp/s0.csv" "$tmp/other.csv" -o "$tmp/x.csv"
expect_rc 2 "not a .mmu-sim sweep. header" "$cli" merge "$T/wp-storm.trace" -o "$tmp/x.csv"
expect_rc 2 "need 0 <= K < N" "$cli" sweep -p bare --shard 4/4 "$T/walk-demo.trace" -o "$tmp/x.csv"
expect_rc 2 "expected 1..256" "$cli" sweep -p bare -j 0 "$T/walk-demo.trace" -o "$tmp/x.csv"
expect_rc 2 "given twice" "$cli" sweep -p bare -p bare "$T/walk-demo.trace" -o "$tmp/x.csv"
expect_rc 2 "empty item" "$cli" sweep -p bare --costs zen4,,skylake-sp "$T/walk-demo.trace" -o "$tmp/x.csv"
check [ ! -e "$tmp/x.csv" ]
[ $fail -eq 0 ] && echo "sweep/merge: -j 1 == -j 2, 4 shards merged == unsharded (12 points), refusals exact"
exit $fail
