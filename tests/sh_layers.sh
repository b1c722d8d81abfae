#!/usr/bin/env bash
# The house plan holds: lib/ folders use only folders below them, by
# #include and by call, and inside a folder the files call each other
# without a circle. Usage: sh_layers.sh SRC_DIR BUILD_DIR
# Layer order (lowest first) is the one lib/README.md draws.
set -euo pipefail
src=${1:?source dir}; build=${2:?build dir}
layers=(base trace arch hw kvm machine tools)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
# Public headers belong to the layer that implements them.
declare -A pub=([common]=base [gmem]=base [stats]=base [event]=trace
	[trace]=trace [walk]=arch [ept]=arch [tlb]=hw [cost]=hw [kvm]=kvm
	[machine]=machine [replay]=tools [validate]=tools [import]=tools
	[gen]=tools [sched]=tools [mmu_sim]=tools)
fail=0
bad() { echo "LAYER: $*"; fail=1; }

# 1. every lib file sits in a known layer folder
for f in "$src"/lib/*.c "$src"/lib/*.h; do
	[ -e "$f" ] && bad "${f#$src/} is outside the layer folders"
done
for d in "$src"/lib/*/; do
	d=$(basename "$d"); [ -n "${rank[$d]+x}" ] || bad "lib/$d is not a layer (${layers[*]})"
done

# 2. includes point down (or sideways within the folder)
while IFS= read -r f; do
	l=$(basename "$(dirname "$f")"); r=${rank[$l]}
	while IFS= read -r inc; do
		case $inc in
		mmu_sim/*) h=$(basename "$inc" .h); t=${pub[$h]:-}
			[ -n "$t" ] || { bad "${f#$src/}: unknown public header $inc"; continue; } ;;
		*/*) t=${inc%%/*} ;;
		*) bad "${f#$src/}: #include \"$inc\" must name its folder"; continue ;;
		esac
		[ -n "${rank[$t]+x}" ] || { bad "${f#$src/}: #include \"$inc\": no such layer"; continue; }
		[ "${rank[$t]}" -le "$r" ] || bad "${f#$src/} ($l) includes $inc (${t}, a higher layer)"
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done < <(find "$src/lib" -mindepth 2 -name '*.[ch]' | sort)

# 3. calls point down, and a folder's files call each other without a circle
objdir="$build/CMakeFiles/msim_objects.dir/lib"
[ -d "$objdir" ] || { echo "sh_layers: no objects under $objdir (build first)"; exit 1; }
tab=$(mktemp); trap 'rm -f "$tab" "$tab".*' EXIT
for o in "$objdir"/*/*.c.o; do
	l=$(basename "$(dirname "$o")"); n=$(basename "$o" .c.o)
	nm "$o" | awk -v u="$l/$n" '$2 ~ /^[TDBRC]$/ {print "D", u, $3} $1 == "U" {print "U", u, $2}'
done > "$tab"
awk '$1 == "D" {def[$3] = $2} $1 == "U" {use[NR] = $2 " " $3}
     END {for (i in use) {split(use[i], a, " "); if (a[2] in def && def[a[2]] != a[1])
		print a[1], def[a[2]], a[2]}}' "$tab" | sort -u > "$tab.calls"
while read -r from to sym; do
	lf=${from%%/*}; lt=${to%%/*}
	[ "${rank[$lt]}" -le "${rank[$lf]}" ] || bad "$from.c ($lf) calls $sym in $to.c ($lt, a higher layer)"
done < "$tab.calls"
# tsort reports a cycle on stderr; same-folder edges only
awk '{split($1, a, "/"); split($2, b, "/"); if (a[1] == b[1]) print $2, $1}' "$tab.calls" |
	sort -u > "$tab.edges"
if ! tsort "$tab.edges" >/dev/null 2>"$tab.cyc"; then
	bad "files that call each other in a circle:"
	grep -v 'input contains a loop:$' "$tab.cyc" | sed 's/^tsort: /    /'
fi
# the CLI uses the public API only; the recorder is its own part
for f in "$src"/sim/*.c "$src"/sim/*.h "$src"/sim/record/*.c "$src"/sim/record/*.h; do
	grep -Hn '#include "\(\.\./\)*\(lib/\)\?\(base\|trace\|arch\|hw\|kvm\|machine\|tools\)/' "$f" |
		sed 's/^/LAYER: internal header in the CLI: /' && fail=1
done
# a test that needs internals says so through its folder's test header
while IFS= read -r f; do
	grep -Hn '#include "\(base\|trace\|arch\|hw\|kvm\|machine\|tools\)/[a-z_]*_internal\.h"\|#include "\(base\|hw\|arch\)/\(rng\|params\|hw\|access_event\|ept_walk\)\.h"' "$f" |
		sed 's/^/LAYER: a test includes lib internals directly (use its folder test header): /' && fail=1
done < <(find "$src/tests" -mindepth 2 -name 'test_*.c' | sort)
[ $fail -eq 0 ] && echo "layers: ${layers[*]}: every include and call points down; no circles"
exit $fail
