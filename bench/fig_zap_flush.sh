#!/usr/bin/env bash
# Figure 4 (Sean Christopherson, "Re: [RFC 02/19] KVM: x86/mmu: Batch TLB
# flushes for a single zap", Nov 12 2021, on Ben Gardon's RFC): TLB flush batching when a zap removes a 1 GiB-level
# subtree. bench_tracegen zap: the guest's data fills one 1 GiB GPA range
# (one touched 4 KiB page per 2 MiB, so the host side holds one page table
# per 2 MiB: 512 tables under one 1 GiB-level entry), then one memslot
# move (kvm_mmu_zap_all_fast) zaps it and the guest refaults it. Replayed
# with zap_flush=per-table (one kvm_flush_remote_tlbs per zapped table,
# what handle_removed_tdp_mmu_page did before Ben Gardon's RFC) and
# zap_flush=batched (one flush per commit: kvm_mmu_commit_zap_page() in
# arch/x86/kvm/mmu/mmu.c issues one kvm_flush_remote_tlbs() for the whole
# invalid list), for 1..64 vCPUs (a remote flush sends KVM_REQ_TLB_FLUSH to
# every vCPU through kvm_make_all_cpus_request(), virt/kvm/kvm_main.c),
# preset 6.4, all three MMU flavours.
# Output: $1/zap_flush.csv
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pols=()
args=()
for mmu in shadow legacy-tdp tdp-mmu; do
	for zf in per-table batched; do
		pols+=("$mmu,$zf")
		args+=(-p "preset=6.4,mmu=$mmu,zap_flush=$zf")
	done
done
tmp="$out/.zap_flush.csv.tmp"
echo "mmu,zap_flush,vcpus,remote_flushes,tables_zapped,sptes_zapped,cycles_flush,cycles_zap,cycles_total" >"$tmp"
for v in 1 2 4 8 16 32 64; do
	"$BENCH_DIR/bench_tracegen" zap "vcpus=$v" rounds=1 >"$work/z.trace"
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/z.csv" "$work/z.trace"
	counters "$work/z.csv" kvm.flush.remote kvm.sp.zapped kvm.spte.zapped cycles.flush cycles.zap cycles.total |
	while IFS=, read -r i fr sz sp cf cz ct; do
		echo "${pols[$((i - 1))]},$v,$fr,$sz,$sp,$cf,$cz,$ct"
	done >>"$tmp"
done
publish "$tmp" "$out/zap_flush.csv"
