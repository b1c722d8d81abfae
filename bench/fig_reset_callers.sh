#!/usr/bin/env bash
# Figure 3 (Sean Christopherson's reply of Feb 17 2022 to Paolo Bonzini's
# patch that stops kvm_mmu_reset_context() from unloading all roots; the
# reply lists its eight callers): which of those callers matter. A mixed
# hardened-Linux workload (bench_tracegen mixed: process switches, CR0.WP
# W^X toggles, CR4.PGE global flushes, SMI/RSM round trips, EFER.NX
# writes, one INIT + KVM_SET_SREGS; see bench/tracegen.c and README.md)
# is replayed whole and once with each cause removed; a caller's cost is
# its marginal cost: cycles.total(all) - cycles.total(all but that cause).
# base = cycles.total with every cause removed (the process work itself).
# Policies: unload (upstream), keep-roots (Paolo's Feb 2022 patch: every
# caller keeps roots) and per-caller (Sean's counter-proposal in that
# reply: only kvm_post_set_cr0/4 keep roots), under presets 5.10, 5.18
# and 6.4 and all three MMU flavours.
# Output: $1/reset_callers.csv (cycles and resets per cause)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rounds=256
pols=()
args=()
for preset in 5.10 5.18 6.4; do
	for mmu in shadow legacy-tdp tdp-mmu; do
		for pol in unload keep-roots per-caller; do
			pols+=("$preset,$mmu,$pol")
			args+=(-p "preset=$preset,mmu=$mmu,policy=$pol")
		done
	done
done
causes="cr0 cr4 smm init efer"
gen() { "$BENCH_DIR/bench_tracegen" mixed "rounds=$rounds" "$@" >"$work/t.trace"; }
run() { # run NAME: cycles.total and kvm.reset_context per policy -> $work/NAME.v
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/c.csv" "$work/t.trace"
	counters "$work/c.csv" cycles.total kvm.reset_context >"$work/$1.v"
}
gen; run all
gen cr0=0 cr4=0 smm=0 init=0 efer=0; run base
for c in $causes; do gen "$c=0"; run "no_$c"; done
tmp="$out/.reset_callers.csv.tmp"
{
	echo "preset,mmu,policy,label,base,cr0,cr4,smm,init,efer,total,resets_cr0,resets_cr4,resets_smm,resets_init,resets_efer,resets_total"
	paste -d, "$work/all.v" "$work/base.v" "$work"/no_cr0.v "$work"/no_cr4.v \
		"$work"/no_smm.v "$work"/no_init.v "$work"/no_efer.v |
	while IFS=, read -r i ct rt _ cb rb _ c0 r0 _ c4 r4 _ cs rs _ ci ri _ ce re; do
		IFS=, read -r preset mmu pol <<<"${pols[$((i - 1))]}"
		echo "$preset,$mmu,$pol,$mmu/$pol,$cb,$((ct - c0)),$((ct - c4)),$((ct - cs)),$((ct - ci)),$((ct - ce)),$ct,$((rt - r0)),$((rt - r4)),$((rt - rs)),$((rt - ri)),$((rt - re)),$rt"
	done
} >"$tmp"
publish "$tmp" "$out/reset_callers.csv"
