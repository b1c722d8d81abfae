#!/usr/bin/env bash
# Figure 5 (Liran Alon, "Re: [PATCH 0/4]: KVM: nVMX: VPID optimizations",
# kvm list, 2018): nested transitions. An L1 hypervisor runs one L2
# process (bench_tracegen nested: L1 gives L2 EPT12 + VPID, so with tags
# no flush is owed per round trip); every
# round trip is VM entry, L2 reads its whole working set of W 4 KiB pages,
# VM exit (L1's exit handler touches no guest memory, so every TLB miss is
# L2's). nested_flush=every-switch models the 2018 behaviour Liran Alon
# described (each root switch went through vmx_set_cr3(), which ended in
# vmx_flush_tlb() since commit 2384d2b32640 "KVM: VMX: Enable Virtual
# Processor Identification (VPID)"); nested_flush=tag relies on VPID/EPTP
# tags (nested_vmx_transition_tlb_flush(), arch/x86/kvm/vmx/nested.c).
# L0 with the TDP MMU
# and L0 with shadow paging, preset 6.4. W = 8 .. 4096 pages. One more line:
# tags, but L1 does not enable VPID for L2 (KVM must then flush the guest
# TLB on every entry and exit: L1 and L2 share VPID 0, which VM entry and
# exit flush when "enable VPID" is 0, SDM Vol. 3C 28.3.3.1; KVM requests
# KVM_REQ_TLB_FLUSH_GUEST in nested_vmx_transition_tlb_flush()), L0 TDP MMU.
# Output: $1/nested.csv (per round trip)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
out=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rounds=100
pols=()
args=()
for mmu in tdp-mmu shadow; do
	for nf in every-switch tag; do
		pols+=("$mmu,$nf")
		args+=(-p "preset=6.4,mmu=$mmu,nested_flush=$nf")
	done
done
tmp="$out/.nested.csv.tmp"
echo "mmu,nested_flush,l2_ws_pages,rounds,tlb_miss_per_rt,walk_refs_per_rt,cycles_per_rt,flushes_per_rt" >"$tmp"
for ws in 8 16 32 64 128 256 512 1024 2048 4096; do
	"$BENCH_DIR/bench_tracegen" nested "rounds=$rounds" "ws=$ws" >"$work/n.trace"
	"$MMU_SIM" compare -q "${args[@]}" --format csv -o "$work/n.csv" "$work/n.trace"
	"$BENCH_DIR/bench_tracegen" nested "rounds=$rounds" "ws=$ws" vpid=0 >"$work/v0.trace"
	"$MMU_SIM" compare -q -p preset=6.4,mmu=tdp-mmu,nested_flush=tag --format csv \
		-o "$work/v0.csv" "$work/v0.trace"
	for c in n v0; do
		counters "$work/$c.csv" tlb.miss walk.refs walk.refs.nested cycles.total kvm.flush.all \
			kvm.flush.current kvm.flush.guest |
		while IFS=, read -r i tm wr wn cy fa fc fg; do
			if [ "$c" = v0 ]; then p="tdp-mmu,tag-l1-no-vpid"; else p=${pols[$((i - 1))]}; fi
			awk -v p="$p" -v ws="$ws" -v r="$rounds" -v tm="$tm" -v wr="$wr" \
			    -v wn="$wn" -v cy="$cy" -v fl="$((fa + fc + fg))" \
			    'BEGIN { printf "%s,%d,%d,%.2f,%.2f,%.1f,%.3f\n", p, ws, r, tm / r,
				(wr + wn) / r, cy / r, fl / r }'
		done
	done >>"$tmp"
done
publish "$tmp" "$out/nested.csv"
