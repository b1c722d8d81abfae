/*
 * The machine driving the KVM model: checks that need the whole chain
 * (guest walk -> TDP faults -> tables -> zap).
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu_sim/machine.h"

static void put(msim_machine *m, unsigned type, unsigned n, uint64_t a0,
		uint64_t a1, uint64_t a2, uint64_t a3)
{
	msim_event e;

	memset(&e, 0, sizeof(e));
	e.type = (uint16_t)type;
	e.arg[0] = a0, e.arg[1] = a1, e.arg[2] = a2, e.arg[3] = a3;
	e.present = (uint16_t)((1u << n) - 1);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0, "%s", msim_last_error());
}

/*
 * Two data pages 1 GiB apart under a TDP MMU root: the tree below the root
 * holds PT 0 and PT 0x200 (gfn >> 9), PD 0 and PD 1 (gfn >> 18) and one
 * PDPT: 5 tables. Zapping it (memslot delete invalidates every root:
 * kvm_tdp_mmu_invalidate_all_roots() from kvm_mmu_zap_all_fast(),
 * arch/x86/kvm/mmu/) costs one remote flush per removed table before the
 * batching discussed in "[RFC 02/19] KVM: x86/mmu: Batch TLB flushes for a
 * single zap" (Ben Gardon / Sean Christopherson, Nov 2021) and one flush
 * after it.
 */
static uint64_t zap_flushes(const char *policy)
{
	msim_machine_opts o = MSIM_MACHINE_OPTS_INIT;
	msim_machine *m;
	uint64_t before, after;

	o.kvm = policy;
	cr_assert_eq(msim_machine_create(&m, &o), 0, "%s", msim_last_error());
	put(m, MSIM_EV_WRMEM, 2, 0x1000, 0x2007, 0, 0);
	put(m, MSIM_EV_WRMEM, 2, 0x2000, 0x3007, 0, 0);
	put(m, MSIM_EV_WRMEM, 2, 0x3000, 0x4007, 0, 0);
	put(m, MSIM_EV_WRMEM, 2, 0x4038, 0x10007, 0, 0);     /* gva 0x7000 -> gfn 0x10 */
	put(m, MSIM_EV_WRMEM, 2, 0x4040, 0x40000007, 0, 0);  /* gva 0x8000 -> gfn 0x40000 */
	put(m, MSIM_EV_SREGS, 4, 0x80010033, 0x1000, 0x20, 0xd00);
	put(m, MSIM_EV_ACCESS, 3, MSIM_ACC_READ, 0x7000, 3, 0);
	put(m, MSIM_EV_ACCESS, 3, MSIM_ACC_READ, 0x8000, 3, 0);
	before = msim_stats_get(msim_machine_stats(m), "kvm.flush.remote");
	put(m, MSIM_EV_MEMSLOT, 3, 1 /* delete */, 0x100000, 1, 0);
	after = msim_stats_get(msim_machine_stats(m), "kvm.flush.remote");
	cr_assert_eq(msim_stats_get(msim_machine_stats(m), "kvm.tdp.tree_teardown"), 1);
	msim_machine_free(m);
	return after - before;
}

Test(machine_kvm, seed003_tdp_zap_flush_per_table_vs_batched)
{
	cr_assert_eq(zap_flushes("preset=5.18,mmu=tdp-mmu,zap_flush=per-table"), 5);
	cr_assert_eq(zap_flushes("preset=5.18,mmu=tdp-mmu,zap_flush=batched"), 1);
}
