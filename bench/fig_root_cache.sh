#!/usr/bin/env bash
# Figure 2 (review of Paolo Bonzini's PGD-caching patch of Feb 9 2022,
# which frees the uncacheable PAE root early; kvm list): previous-root
# cache size. N processes (1..12) scheduled round-robin by a 64-bit guest
# under shadow paging (preset 6.4, mmu=shadow: MOV CR3 is intercepted only
# without TDP, since vmx_exec_control() in arch/x86/kvm/vmx/vmx.c sets
# CR3-load exiting only when EPT is off), each switch followed by reads of
# the process's 8 user pages (mmu-sim gen procs; with pti=1 every process
# has a kernel and a user PML4, so a switch is two CR3 writes, as KPTI
# does; PCID off, so each switch is a plain lookup in the LRU of the
# current root + KVM_MMU_NUM_PREV_ROOTS = 3 slots). prev_roots = 0, 1, 3
# (upstream), 7, 11 (Yong He's Oct 2024 patch "expand the LRU cache of
# previous CR3s", lmbench under shadow paging + PTI), 15 (~16, Sean
# Christopherson's suggestion in its review).
# A third set runs a 32-bit PAE guest (bench_tracegen procs-pae), whose
# roots are never cached (its current root is a special PAE root without
# a shadow page, which fast_pgd_switch() in arch/x86/kvm/mmu/mmu.c frees
# instead of caching).
# Root hit rate = (kvm.root.cache_hit.cur + .prev) / (hits + cache_miss);
# roots freed and cycles are per CR3 write.
# Output: $1/root_cache.csv
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sizes="0 1 3 7 11 15"
args=()
for s in $sizes; do args+=(-p "preset=6.4,mmu=shadow,prev_roots=$s"); done
sz=($sizes)
tmp="$out/.root_cache.csv.tmp"
echo "guest,pti,procs,prev_roots,cr3_writes,hit_rate,roots_freed_per_switch,cycles_per_switch,hits_cur,hits_prev,misses,roots_freed,mmu_loads,cycles_total" >"$tmp"
# run GUEST PTI N TRACE: one compare over all prev_roots sizes -> CSV rows
run() {
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/p.csv" "$4"
	counters "$work/p.csv" events.cr3 kvm.root.cache_hit.cur kvm.root.cache_hit.prev \
		kvm.root.cache_miss kvm.root.freed kvm.mmu_load cycles.total |
	while IFS=, read -r i cr3 hc hp ms fr ml cy; do
		awk -v g="$1" -v pti="$2" -v n="$3" -v s="${sz[$((i - 1))]}" -v cr3="$cr3" -v hc="$hc" \
		    -v hp="$hp" -v ms="$ms" -v fr="$fr" -v ml="$ml" -v cy="$cy" \
		    'BEGIN { h = hc + hp
			# no lookup at all (one process, no PTI: CR3 never changes, and
			# kvm_set_cr3() in arch/x86/kvm/x86.c skips the root switch for an
			# unchanged CR3)
			hr = (h + ms) ? sprintf("%.4f", h / (h + ms)) : "NaN"
			printf "%s,%d,%d,%d,%d,%s,%.4f,%.1f,%d,%d,%d,%d,%d,%d\n",
				g, pti, n, s, cr3, hr, fr / cr3, cy / cr3,
				hc, hp, ms, fr, ml, cy }'
	done >>"$tmp"
}
for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
	for pti in 0 1; do
		"$MMU_SIM" gen procs "procs=$n,pti=$pti,pcid=0,switches=2000,ws=8" -o "$work/p.trace"
		run 64-bit "$pti" "$n" "$work/p.trace"
	done
	# 32-bit PAE guest (fast_pgd_switch() frees its special PAE root, the
	# case of the Feb 9 2022 PGD-caching review): its roots never enter
	# prev_roots
	"$BENCH_DIR/bench_tracegen" procs-pae "procs=$n" switches=2000 ws=8 >"$work/pae.trace"
	run pae 0 "$n" "$work/pae.trace"
done
publish "$tmp" "$out/root_cache.csv"
