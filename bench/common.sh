# Helpers sourced by bench/fig_*.sh (not a figure itself).
# Needs MMU_SIM and BENCH_DIR (set by bench/plots.sh).
: "${MMU_SIM:?MMU_SIM must name the mmu-sim binary}"
: "${BENCH_DIR:?BENCH_DIR must name the directory of the bench_* programs}"

# counters CSV NAME...: from a `mmu-sim compare --format csv` table, print
# one line per policy column: "i,value(NAME1),value(NAME2),..." (i = 1..).
counters() {
	local csv=$1
	shift
	awk -F'"' -v names="$*" '
		BEGIN { n = split(names, want, " ") }
		# policy strings are quoted (they contain commas): drop quotes
		{ line = ""; for (i = 1; i <= NF; i++) {
			f = $i; if (i % 2 == 0) gsub(",", ";", f); line = line f }
		  split(line, c, ",")
		  if (NR == 1) { np = 0; for (i = 2; i in c; i++)
			if (c[i] !~ /^ratio/) np++; next }
		  for (j = 2; j <= np + 1; j++) v[c[1], j - 1] = c[j] }
		END { for (p = 1; p <= np; p++) { s = p
			for (k = 1; k <= n; k++) s = s "," ((want[k], p) in v ? v[want[k], p] : "NA")
			print s } }' "$csv"
}

# publish TMP FINAL: atomic rename of a finished CSV into place.
publish() {
	mv -f "$1" "$2"
}
