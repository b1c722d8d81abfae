#!/usr/bin/env bash
# Figure 1 (Paolo Bonzini's "[PATCH 00/23] KVM: MMU: MMU role refactoring"
# cover letter, Feb 4 2022, which reports the TDP MMU regression of
# grsecurity's CR0.WP W^X, and Sean Christopherson's Feb 17 2022 reply on
# kvm_mmu_reset_context()): CR0.WP storm. A grsecurity/PaX KERNEXEC-style
# guest (mmu-sim gen wp-storm: each "toggle" is one pax_open_kernel /
# pax_close_kernel pair = 2 CR0 writes around 2 kernel writes) does a fixed
# 20,000 guest memory accesses; the toggle count varies from 20 to 2,000,
# i.e. 1 to 100 toggles per 1,000 accesses. Each trace is replayed under
# {5.10, 5.18, 6.4 (VMX), 6.4 on AMD} x {shadow, legacy TDP, TDP MMU} x
# {unload, keep-roots}.
# Cost per toggle = (cycles.total - cycles.total of the same trace with the
# CR0 writes removed and its kernel writes turned into reads) / toggles.
# Output: $1/wp_storm.csv
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total=20000
pols=()
for preset in 5.10 5.18 6.4 6.4-amd; do
	for mmu in shadow legacy-tdp tdp-mmu; do
		for pol in unload keep-roots; do
			pols+=("$preset,$mmu,$pol")
		done
	done
done
args=()
for p in "${pols[@]}"; do
	IFS=, read -r preset mmu pol <<<"$p"
	# 6.4-amd: SVM intercepts every CR0.WP write (only VMX+EPT lets the
	# guest own WP: commit fb509f76acc8 "KVM: VMX: Make CR0.WP a guest owned
	# bit", v6.4), so kvm_post_set_cr0()'s "no unload on a WP-only change
	# with TDP" (commit 01b31714bd90, v6.4) shows
	case $preset in
	*-amd) args+=(-p "preset=${preset%-amd},vendor=amd,mmu=$mmu,policy=$pol") ;;
	*) args+=(-p "preset=$preset,mmu=$mmu,policy=$pol") ;;
	esac
done
names="cycles.total kvm.exit kvm.reset_context kvm.root.created kvm.tdp.tree_teardown kvm.unload"
tmp="$out/.wp_storm.csv.tmp"
echo "preset,mmu,policy,toggles,toggles_per_1k_accesses,cycles_total,cycles_base,cost_per_toggle,exits,resets,roots_created,tdp_teardowns,unloads" >"$tmp"
for t in 20 50 100 200 500 1000 2000; do
	reads=$(( total / t - 2 ))
	"$MMU_SIM" gen wp-storm "toggles=$t,ws=64,writes=2,reads=$reads" -o "$work/wp.trace"
	# baseline: same accesses, no CR0 writes (kernel writes become reads,
	# which is what they would be without W^X)
	grep -v '^cr0 ' "$work/wp.trace" | sed 's/^access w /access r /' >"$work/base.trace"
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/wp.csv" "$work/wp.trace"
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/base.csv" "$work/base.trace"
	counters "$work/wp.csv" $names >"$work/wp.v"
	counters "$work/base.csv" cycles.total >"$work/base.v"
	paste -d, "$work/wp.v" "$work/base.v" | while IFS=, read -r i cyc ex rs rc td ul _ base; do
		IFS=, read -r preset mmu pol <<<"${pols[$((i - 1))]}"
		awk -v p="$preset" -v m="$mmu" -v po="$pol" -v t="$t" -v tot="$total" \
		    -v c="$cyc" -v b="$base" -v ex="$ex" -v rs="$rs" -v rc="$rc" -v td="$td" -v ul="$ul" \
		    'BEGIN { printf "%s,%s,%s,%d,%g,%d,%d,%.1f,%d,%d,%d,%d,%d\n",
			p, m, po, t, t * 1000 / tot, c, b, (c - b) / t, ex, rs, rc, td, ul }'
	done >>"$tmp"
done
publish "$tmp" "$out/wp_storm.csv"
