/*
 * SDM Vol. 3A 4.10.4.3: after every "must invalidate" operation the cached hardware path
 * (TLB + PSC + nested caches) gives the reference walk's result for the
 * operation's scope. Each test first shows the cached path still using
 * the stale translation (allowed by SDM Vol. 3A 4.10.4.3), so the check can fail.
 * SPDX-License-Identifier: MIT
 */
#include "tlb_test_util.h"

static struct tu_env e;

static void fini(void)
{
	tu_env_free(&e);
}

TestSuite(equiv, .fini = fini);

#define VA 0x7f0000000000ULL
#define NPAGES 8

static void map_all(bool global_last)
{
	for (uint64_t i = 0; i < NPAGES; i++)
		tu_env_map(&e, VA + i * 0x1000, 0x200000 + i * 0x1000, 1,
			   TU_LEAF | (global_last && i == NPAGES - 1 ? MSIM_PTE_G : 0));
	tu_env_map(&e, 0x1000, 0x300000, 1, TU_LEAF);
	for (uint64_t i = 0; i < NPAGES; i++)
		tu_access(&e, VA + i * 0x1000, 0);
}

/* Point page i at a new frame without invalidating. */
static void remap(uint64_t i, uint64_t pa, uint64_t extra)
{
	uint64_t ea = tu_entry(&e.gpt, VA + i * 0x1000, 1);

	cr_assert_eq(msim_gmem_write(e.gmem, ea, 8, pa | TU_LEAF | extra), 0);
	if (e.x.nested)
		tu_map(&e.ept, pa, pa, 1, TU_EPT_LEAF);
}

static void assert_equiv(uint64_t i)
{
	uint64_t va = VA + i * 0x1000 + 0x10;
	msim_hw_result r = tu_access(&e, va, 0);
	msim_walk_result *w = tu_reference(&e, va, 0);

	cr_assert_eq(r.fault.kind, w->fault.kind, "page %llu", (unsigned long long)i);
	cr_assert_eq(r.pa, w->pa, "page %llu: cached 0x%llx, reference 0x%llx",
		     (unsigned long long)i, (unsigned long long)r.pa,
		     (unsigned long long)w->pa);
}

static void assert_stale(uint64_t i, uint64_t old_pa)
{
	cr_assert_eq(tu_access(&e, VA + i * 0x1000, 0).pa, old_pa,
		     "page %llu expected still cached", (unsigned long long)i);
}

Test(equiv, P6_15_invlpg)
{
	tu_env_init(&e, false, "skylake-sp");
	map_all(false);
	remap(3, 0x900000, 0);
	assert_stale(3, 0x203000);
	tu_inv(&e, MSIM_INV_INVLPG, VA + 0x3000, 0, 0);
	assert_equiv(3);
	cr_assert_eq(tu_access(&e, VA + 0x3000, 0).pa, 0x900000);
}

Test(equiv, P6_15_invlpg_after_pde_change_uses_fresh_upper_levels)
{
	struct tu_pt pt2;
	uint64_t pde;

	tu_env_init(&e, false, "skylake-sp");
	map_all(false);
	/* new page table for the region: page 5 now maps 0xa05000 */
	tu_pt_init(&pt2, e.gmem, 0x500000, false);
	for (uint64_t i = 0; i < NPAGES; i++)
		cr_assert_eq(msim_gmem_write(e.gmem, 0x500000 + ((VA >> 12) & 0x1ff) * 8 + i * 8,
					     8, (0xa00000 + i * 0x1000) | TU_LEAF), 0);
	pde = tu_entry(&e.gpt, VA, 2);
	cr_assert_eq(msim_gmem_write(e.gmem, pde, 8, 0x500000 | TU_NONLEAF), 0);
	assert_stale(5, 0x205000);
	/* INVLPG of page 5: its TLB entry and every PSC entry of the PCID */
	tu_inv(&e, MSIM_INV_INVLPG, VA + 0x5000, 0, 0);
	assert_equiv(5);
	cr_assert_eq(tu_access(&e, VA + 0x5000, 0).pa, 0xa05000);
}

Test(equiv, P6_15_mov_cr3_flushes_nonglobal_only)
{
	tu_env_init(&e, false, "skylake-sp");
	map_all(true);
	for (uint64_t i = 0; i < NPAGES; i++)
		remap(i, 0x800000 + i * 0x1000, i == NPAGES - 1 ? MSIM_PTE_G : 0);
	assert_stale(0, 0x200000);
	tu_inv(&e, MSIM_INV_MOV_CR3, e.regs.cr3, 0, 0);
	for (uint64_t i = 0; i < NPAGES - 1; i++)
		assert_equiv(i);
	/* the global page is outside MOV CR3's scope: may stay stale */
	assert_stale(NPAGES - 1, 0x200000 + (NPAGES - 1) * 0x1000);
	/* ... until CR4.PGE toggles */
	tu_inv(&e, MSIM_INV_MOV_CR4, e.regs.cr4, e.regs.cr4 & ~MSIM_CR4_PGE, 0);
	tu_inv(&e, MSIM_INV_MOV_CR4, e.regs.cr4 & ~MSIM_CR4_PGE, e.regs.cr4, 0);
	assert_equiv(NPAGES - 1);
}

Test(equiv, P6_15_invpcid_single_context)
{
	tu_env_init(&e, false, "skylake-sp");
	e.regs.cr4 |= MSIM_CR4_PCIDE;
	e.regs.cr3 = TU_GUEST_TABLES | 7;
	map_all(false);
	for (uint64_t i = 0; i < NPAGES; i++)
		remap(i, 0x800000 + i * 0x1000, 0);
	assert_stale(2, 0x202000);
	/* executed while running PCID 9 */
	e.regs.cr3 = TU_GUEST_TABLES | 9;
	tu_inv(&e, MSIM_INV_INVPCID, 1, 7, 0);
	e.regs.cr3 = TU_GUEST_TABLES | 7;
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_equiv(i);
}

Test(equiv, P6_15_pf_invalidates_stale_entry)
{
	tu_env_init(&e, false, "skylake-sp");
	map_all(false);
	/* downgrade: page 4 becomes not present; cached entry may be used */
	cr_assert_eq(msim_gmem_write(e.gmem, tu_entry(&e.gpt, VA + 0x4000, 1),
				     8, 0), 0);
	assert_stale(4, 0x204000);
	/* the #PF invalidation of that page (e.g. delivered for another
	 * access to it) makes the next access see the memory (SDM Vol. 3A 4.10.4.1 #PF row) */
	tu_inv(&e, MSIM_INV_PF, VA + 0x4000, 0, 0);
	assert_equiv(4);
	cr_assert_eq(tu_access(&e, VA + 0x4000, 0).fault.kind, MSIM_FAULT_PF);
}

Test(equiv, P6_15_invept_single_after_ept_change)
{
	uint64_t ea;

	tu_env_init(&e, true, "skylake-sp");
	map_all(false);
	/* the host moves gpa 0x203000 to hpa 0x7703000 */
	ea = tu_entry(&e.ept, 0x203000, 1);
	cr_assert_eq(msim_gmem_write(e.hmem, ea, 8, 0x7703000 | TU_EPT_LEAF), 0);
	assert_stale(3, 0x203000);
	tu_inv(&e, MSIM_INV_INVEPT, 1, e.nested.eptp, 0);
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_equiv(i);
	cr_assert_eq(tu_access(&e, VA + 0x3000, 0).pa, 0x7703000);
}

Test(equiv, P6_15_invvpid_single_after_guest_pte_change)
{
	tu_env_init(&e, true, "skylake-sp");
	map_all(false);
	for (uint64_t i = 0; i < NPAGES; i++)
		remap(i, 0x800000 + i * 0x1000, 0);
	assert_stale(1, 0x201000);
	tu_inv(&e, MSIM_INV_INVVPID, 1, 1, 0);
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_equiv(i);
}

Test(equiv, P6_15_tlb_control_flush_asid)
{
	tu_env_init(&e, true, "zen4");
	map_all(false);
	for (uint64_t i = 0; i < NPAGES; i++)
		remap(i, 0x800000 + i * 0x1000, 0);
	assert_stale(6, 0x206000);
	tu_inv(&e, MSIM_INV_TLB_CONTROL, 3, 1, 0);
	for (uint64_t i = 0; i < NPAGES; i++)
		assert_equiv(i);
}

/*
 * Every "must invalidate" operation of SDM Vol. 3A 4.10.4.1; AMD APM Vol. 2 15.16 in one table: in a 2D
 * setup (VPID 1, EPT, PCIDE with PCID 3) all guest PTEs are changed, the
 * operation runs under the current context, and every page inside its
 * scope must then translate like the reference walk. `page` >= 0: the
 * operation targets that page only (the others may stay stale).
 */
#define CR4_ON (MSIM_CR4_PAE | MSIM_CR4_PGE | MSIM_CR4_PCIDE)

static const struct {
	const char *what;
	msim_inv_kind kind;
	uint64_t a0, a1, a2;
	int page;
} ops[] = {
	{ "mov cr3 (pcid 3)", MSIM_INV_MOV_CR3, TU_GUEST_TABLES | 3, 0, 0, -1 },
	{ "cr4.pge 1->0", MSIM_INV_MOV_CR4, CR4_ON, CR4_ON & ~MSIM_CR4_PGE, 0, -1 },
	{ "cr4.pcide 1->0", MSIM_INV_MOV_CR4, CR4_ON, CR4_ON & ~MSIM_CR4_PCIDE, 0, -1 },
	{ "cr4.smep 0->1", MSIM_INV_MOV_CR4, CR4_ON, CR4_ON | MSIM_CR4_SMEP, 0, -1 },
	{ "cr4.pae change", MSIM_INV_MOV_CR4, CR4_ON, CR4_ON & ~MSIM_CR4_PAE, 0, -1 },
	{ "cr0.pg 1->0", MSIM_INV_MOV_CR0, MSIM_CR0_PG, 0, 0, -1 },
	{ "efer.nxe change", MSIM_INV_WRMSR_EFER, MSIM_EFER_NXE, 0, 0, -1 },
	{ "invpcid 1 (3)", MSIM_INV_INVPCID, 1, 3, 0, -1 },
	{ "invpcid 2", MSIM_INV_INVPCID, 2, 0, 0, -1 },
	{ "invpcid 3", MSIM_INV_INVPCID, 3, 0, 0, -1 },
	{ "invvpid 1 (1)", MSIM_INV_INVVPID, 1, 1, 0, -1 },
	{ "invvpid 2", MSIM_INV_INVVPID, 2, 0, 0, -1 },
	{ "invvpid 3 (1)", MSIM_INV_INVVPID, 3, 1, 0, -1 },
	{ "invept 1", MSIM_INV_INVEPT, 1, TU_EPT_TABLES, 0, -1 },
	{ "invept 2", MSIM_INV_INVEPT, 2, 0, 0, -1 },
	{ "tlb_control 1", MSIM_INV_TLB_CONTROL, 1, 0, 0, -1 },
	{ "tlb_control 3", MSIM_INV_TLB_CONTROL, 3, 1, 0, -1 },
	{ "tlb_control 7", MSIM_INV_TLB_CONTROL, 7, 1, 0, -1 },
	{ "all", MSIM_INV_ALL, 0, 0, 0, -1 },
	{ "invlpg", MSIM_INV_INVLPG, VA + 0x3000, 0, 0, 3 },
	{ "invpcid 0", MSIM_INV_INVPCID, 0, 3, VA + 0x3000, 3 },
	{ "invvpid 0", MSIM_INV_INVVPID, 0, 1, VA + 0x3000, 3 },
	{ "invlpga", MSIM_INV_INVLPGA, VA + 0x3000, 1, 0, 3 },
	{ "#PF", MSIM_INV_PF, VA + 0x3000, 0, 0, 3 },
	{ "EPT violation with LA", MSIM_INV_EPT_VIOLATION, 0x203000, VA + 0x3000, 1, 3 },
};

Test(equiv, P6_15_every_must_invalidate_operation)
{
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		tu_env_init(&e, true, "skylake-sp");
		e.regs.cr4 |= MSIM_CR4_PCIDE;
		e.regs.cr3 = TU_GUEST_TABLES | 3;
		map_all(false);
		for (uint64_t i = 0; i < NPAGES; i++)
			remap(i, 0x800000 + i * 0x1000, 0);
		assert_stale(3, 0x203000);
		tu_inv(&e, ops[k].kind, ops[k].a0, ops[k].a1, ops[k].a2);
		for (uint64_t i = 0; i < NPAGES; i++) {
			if (ops[k].page >= 0 && (int)i != ops[k].page)
				continue;
			cr_assert_eq(tu_access(&e, VA + i * 0x1000, 0).pa,
				     tu_reference(&e, VA + i * 0x1000, 0)->pa,
				     "%s: page %llu", ops[k].what,
				     (unsigned long long)i);
		}
		if (ops[k].page >= 0)
			assert_stale(5, 0x205000); /* outside the scope: kept */
		tu_env_free(&e);
		memset(&e, 0, sizeof(e));
	}
}

Test(equiv, P6_15_vm_transitions_without_vpid)
{
	for (int exit = 0; exit < 2; exit++) {
		tu_env_init(&e, true, "skylake-sp");
		e.x.tag.vpid = 0; /* "enable VPID" = 0: VPID 0000H */
		map_all(false);
		for (uint64_t i = 0; i < NPAGES; i++)
			remap(i, 0x800000 + i * 0x1000, 0);
		assert_stale(2, 0x202000);
		tu_inv(&e, exit ? MSIM_INV_VMEXIT : MSIM_INV_VMENTRY, 0, 0, 0);
		for (uint64_t i = 0; i < NPAGES; i++)
			assert_equiv(i);
		tu_env_free(&e);
		memset(&e, 0, sizeof(e));
	}
}
