#!/usr/bin/env bash
# Figure 6: 2D walk cost. bench_walk2d (bench/walk2d.c) drives the
# library's hardware model directly: a random heap scan over 256 MiB of 4 KiB
# pages, native 4/5-level vs 4-on-4 / 5-on-5 EPT (4 KiB host pages), with
# no paging-structure caches, the guest PSC only, and guest PSC + nested
# PSC + guest-physical TLB. Cost preset sapphire-rapids.
# Output: $1/walk2d.csv (raw) and $1/walk2d_wide.csv (one row per mode)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
"$BENCH_DIR/bench_walk2d" --cost sapphire-rapids 400000 >"$out/.walk2d.csv.tmp"
awk -F, 'NR > 1 {
		k = ($1 == "native" ? "native " $2 "-level" : $2 "-on-" $2 " (EPT)")
		if (!(k in seen)) { seen[k] = 1; keys[++n] = k }
		r[k, $3] = $6; c[k, $3] = $8 }
	END { print "mode,refs_nopwc,refs_pwc,refs_pwc_npwc,cyc_nopwc,cyc_pwc,cyc_pwc_npwc"
		split("nopwc pwc pwc+npwc", cs, " ")
		for (i = 1; i <= n; i++) { k = keys[i]; s = k
			for (j = 1; j <= 3; j++) s = s "," ((k, cs[j]) in r ? r[k, cs[j]] : "NaN")
			for (j = 1; j <= 3; j++) s = s "," ((k, cs[j]) in c ? c[k, cs[j]] : "NaN")
			print s } }' "$out/.walk2d.csv.tmp" >"$out/.walk2d_wide.csv.tmp"
publish "$out/.walk2d_wide.csv.tmp" "$out/walk2d_wide.csv"
publish "$out/.walk2d.csv.tmp" "$out/walk2d.csv"
