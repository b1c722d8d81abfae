/*
 * Paging-structure caches and nested caches through the real walker:
 * the SDM SDM Vol. 3A 4.10.2-4.10.3; SDM Vol. 3A 4.10.4.1 (INVLPG and PSCs), SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5.
 * Reference counts come from the architecture: a 4-level walk reads one
 * entry per level below the cached one; a 4-on-4 2D walk reads
 * n(m+1)+m = 24 entries when nothing is cached (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5).
 * SPDX-License-Identifier: MIT
 */
#include "tlb_test_util.h"

static struct tu_env e;

static void fini(void)
{
	tu_env_free(&e);
}

TestSuite(pwc, .fini = fini);

#define VA 0x7f0000000000ULL
#define GB (1ULL << 30)
#define MB2 (2ULL << 20)

Test(pwc, P6_4_psc_hits_start_the_walk_lower)
{
	msim_hw_result r;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);        /* same PT */
	tu_env_map(&e, VA + MB2, 0x202000, 1, TU_LEAF);          /* same PD */
	tu_env_map(&e, VA + GB, 0x203000, 1, TU_LEAF);           /* same PDPT */
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.walk_refs, 4);
	cr_assert_eq(r.psc_level, 0);
	cr_assert_eq(r.pa, 0x200000);
	r = tu_access(&e, VA + 0x1008, 0);
	cr_assert_eq(r.psc_level, 2, "PDE cache hit");
	cr_assert_eq(r.walk_refs, 1, "only the PTE is read");
	cr_assert_eq(r.pa, 0x201008);
	r = tu_access(&e, VA + MB2, 0);
	cr_assert_eq(r.psc_level, 3, "PDPTE cache hit");
	cr_assert_eq(r.walk_refs, 2);
	r = tu_access(&e, VA + GB, 0);
	cr_assert_eq(r.psc_level, 4, "PML4E cache hit");
	cr_assert_eq(r.walk_refs, 3);
	r = tu_access(&e, VA + GB, 0);
	cr_assert_eq(r.tlb_level, 1);
	cr_assert_eq(r.walk_refs, 0);
}

Test(pwc, P6_9_invlpg_removes_all_psc_entries_of_current_pcid)
{
	msim_hw_result r;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);
	tu_env_map(&e, 0x1000, 0x300000, 1, TU_LEAF); /* unrelated LA */
	tu_access(&e, VA, 0);
	tu_inv(&e, MSIM_INV_INVLPG, 0x1000, 0, 0);
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.psc_level, 0, "INVLPG of any LA drops the PSCs");
	cr_assert_eq(r.walk_refs, 4);
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.tlb_level, 1, "the TLB entry of another page survives");
}

Test(pwc, P6_7_psc_entries_are_per_pcid)
{
	msim_hw_result r;

	tu_env_init(&e, false, "skylake-sp");
	e.regs.cr4 |= MSIM_CR4_PCIDE;
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);
	e.regs.cr3 = TU_GUEST_TABLES | 2;
	tu_access(&e, VA, 0);               /* PSC under PCID 2 */
	e.regs.cr3 = TU_GUEST_TABLES | 1;
	tu_inv(&e, MSIM_INV_INVLPG, 0x5000, 0, 0); /* PCID 1's PSCs */
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.psc_level, 0, "PCID 2's PSC is not used under PCID 1");
	e.regs.cr3 = TU_GUEST_TABLES | 2;
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.tlb_level, 0);
	cr_assert_eq(r.psc_level, 2, "PCID 2's PSC survived PCID 1's INVLPG");
}

Test(pwc, P6_3_large_page_leaf_never_enters_a_psc)
{
	msim_walk_start st;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x40000000, 2, TU_LEAF);
	cr_assert_eq(tu_access(&e, VA + 0x1234, 0).pa, 0x40001234);
	cr_assert_eq(msim_psc_lookup(msim_hw_tlb(e.hw), &e.x.tag, MSIM_PAGING_4,
				     VA, &st),
		     3, "the 2M PDE is a leaf: only the PDPTE is cached");
	cr_assert_eq(st.level, 2);
	cr_assert_eq(st.table, msim_gmem_read64(e.gmem, tu_entry(&e.gpt, VA, 3)) &
				       MSIM_GENMASK(51, 12));
}

Test(pwc, P6_3_faulting_walk_caches_only_entries_with_A)
{
	msim_walk_start st;
	msim_hw_result r;
	uint64_t pde;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	/* PDE with A=0, PTE not present: the walk faults, sets no A */
	pde = tu_entry(&e.gpt, VA, 2);
	cr_assert_eq(msim_gmem_write(e.gmem, pde, 8,
				     msim_gmem_read64(e.gmem, pde) & ~MSIM_PTE_A), 0);
	cr_assert_eq(msim_gmem_write(e.gmem, tu_entry(&e.gpt, VA, 1), 8, 0), 0);
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(msim_psc_lookup(msim_hw_tlb(e.hw), &e.x.tag, MSIM_PAGING_4,
				     VA, &st),
		     3, "PDPTE (A=1) cached, PDE (A=0) not");
}

Test(pwc, P8_1_cold_2d_walk_makes_24_references)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r.pa, 0x200000);
	cr_assert_eq(r.walk_refs, msim_walk_2d_ref_formula(4, 4));
	cr_assert_eq(r.walk_refs, 24);
}

Test(pwc, P8_7_combined_psc_and_nested_psc_shorten_2d_walks)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);
	tu_access(&e, VA, 0);
	/* guest PDE cache (with the PT's hpa) -> read the guest PTE; the data
	 * gpa shares the EPT PT of the first one -> nested PDE-level PSC ->
	 * read the EPT PTE: 2 references */
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.psc_level, 2);
	cr_assert_eq(r.walk_refs, 2);
	cr_assert_eq(r.pa, 0x201000);
}

Test(pwc, P8_7_guest_physical_tlb_skips_the_final_nested_walk)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x200000, 1, TU_LEAF); /* alias, same gpa */
	tu_access(&e, VA, 0);
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.walk_refs, 1, "guest PTE only; gpa->hpa from the NTLB");
	cr_assert_eq(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_NTLB) > 0, true);
}

Test(pwc, P6_10_invept_single_drops_combined_and_nested_caches)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);
	tu_access(&e, VA, 0);
	tu_inv(&e, MSIM_INV_INVEPT, 1, e.nested.eptp, 0);
	cr_assert_eq(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_NTLB), 0);
	cr_assert_eq(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_NPSC), 0);
	cr_assert_eq(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_PSC), 0);
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.walk_refs, 24);
}

Test(pwc, P6_10_invvpid_keeps_guest_physical_mappings)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_access(&e, VA, 0);
	tu_inv(&e, MSIM_INV_INVVPID, 1, 1, 0);
	cr_assert_eq(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_PSC), 0);
	cr_assert_gt(msim_tlb_count(msim_hw_tlb(e.hw), MSIM_TLBP_NTLB), 0);
	/* guest walk from the root again, but every nested walk of a guest
	 * table / the data gpa is an NTLB hit: 4 guest references only */
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.walk_refs, 4);
}

Test(pwc, P8_2_guest_paging_off_under_ept_is_cached)
{
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_map(&e.ept, 0x5000, 0x9000, 1, TU_EPT_LEAF);
	e.regs.cr0 = MSIM_CR0_PE; /* paging off: gla = gpa */
	e.regs.cr4 = 0;
	e.regs.efer = 0;
	e.regs.cpl = 0;
	r = tu_access(&e, 0x5010, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r.pa, 0x9010);
	cr_assert_eq(r.walk_refs, 4, "one nested walk");
	r = tu_access(&e, 0x5020, MSIM_WACC_WRITE);
	cr_assert_eq(r.tlb_level, 1, "combined gpa->hpa entry reused");
	cr_assert_eq(r.pa, 0x9020);
	cr_assert_eq(r.gpa, 0x5020);
}

Test(pwc, P7_10_write_after_read_rewalks_to_set_ept_dirty)
{
	msim_hw_result r;
	uint64_t leaf;

	tu_env_init(&e, true, "skylake-sp");
	e.nested.eptp |= MSIM_EPTP_AD;
	msim_hw_tag_from(&e.x.tag, &e.regs, 1, e.x.nested);
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	leaf = tu_entry(&e.ept, 0x200000, 1);
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(msim_gmem_read64(e.hmem, leaf) & MSIM_EPT_D, 0);
	r = tu_access(&e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.tlb_level, 0, "the read-made entry cannot set EPT D");
	cr_assert_neq(msim_gmem_read64(e.hmem, leaf) & MSIM_EPT_D, 0);
	r = tu_access(&e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.tlb_level, 1);
}

Test(pwc, P6_6_recursive_pml4e_feeds_several_levels)
{
	msim_hw_result r;
	uint64_t pml4 = TU_GUEST_TABLES, rec, la, pte;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + MB2, 0x300000, 1, TU_LEAF);
	/* PML4[256] points at the PML4 itself */
	cr_assert_eq(msim_gmem_write(e.gmem, pml4 + 256 * 8, 8,
				     pml4 | TU_NONLEAF), 0);
	rec = 0xffff800000000000ULL; /* PML4 index 256, sign-extended */
	/* rec | VA[47:12] >> 9 (with the top index replaced) maps the PT page
	 * of VA: PML4E used as PML4E, then the real PML4E/PDPTE/PDE as
	 * PDPTE/PDE/PTE */
	la = rec | ((VA >> 9) & 0x7ffffffff8ULL);
	pte = tu_entry(&e.gpt, VA, 1);
	r = tu_access(&e, la, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r.pa, pte);
	/* the PTE of the page 2 MB further is in another PT; its recursive
	 * LA shares the PDE-cache entry (made from the real PDPTE, pointing
	 * at the real PD used as a PT) and reads the real PDE as its PTE */
	la = rec | (((VA + MB2) >> 9) & 0x7ffffffff8ULL);
	r = tu_access(&e, la, 0);
	cr_assert_eq(r.pa, tu_entry(&e.gpt, VA + MB2, 1));
	cr_assert_eq(r.psc_level, 2);
	cr_assert_eq(r.walk_refs, 1);
	/* and the normal mapping still works after the recursive ones */
	cr_assert_eq(tu_access(&e, VA + MB2 + 0x10, 0).pa, 0x300010);
}
