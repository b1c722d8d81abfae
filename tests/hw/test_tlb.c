/*
 * TLB tags, invalidations and replacement (SDM Vol. 3A 4.10.2-4.10.4.1,
 * VMX: SDM Vol. 3C 28.3.3.1, SVM: AMD APM Vol. 2 15.16).
 * Entries are created from synthetic successful walk results, so each
 * test controls exactly what is cached.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu_sim/tlb.h"

#define EPTP_A 0x1000005eULL /* EP4TA 0x10000000, WB, 4 levels, A/D */
#define EPTP_B 0x2000001eULL

static msim_tlb *t;

static void setup(void)
{
	cr_assert_eq(msim_tlb_create(&t, NULL), 0);
}

static void teardown(void)
{
	msim_tlb_free(t);
}

TestSuite(tlb, .init = setup, .fini = teardown);

static msim_tlb_ctx ctx(uint16_t vpid, uint64_t eptp, uint16_t pcid, bool pge)
{
	msim_tlb_ctx c = MSIM_TLB_CTX_INIT;

	c.vpid = vpid;
	c.nested = eptp != 0;
	c.ep4ta = eptp & 0x000ffffffffff000ULL;
	c.pcid = pcid;
	c.pcide = true;
	c.pge = pge;
	return c;
}

/* Cache la -> pa (4K unless ps given) as a successful walk would. */
static void fill_ps(const msim_tlb_ctx *c, uint64_t la, uint64_t pa,
		    uint64_t ps, bool global)
{
	static msim_walk_result r;

	memset(&r, 0, sizeof(r));
	r.pa = pa;
	r.gpa = pa;
	r.page_size = ps;
	r.leaf_level = ps == 4096 ? 1 : ps == (1ULL << 30) ? 3 : 2;
	r.entries[r.leaf_level].value = pa | MSIM_PTE_P | MSIM_PTE_A |
					(global ? MSIM_PTE_G : 0);
	r.entries[r.leaf_level].valid = true;
	r.rights.rw = 1;
	r.rights.us = 1;
	msim_tlb_fill(t, c, la, false, &r);
}

static void fill(const msim_tlb_ctx *c, uint64_t la, uint64_t pa, bool global)
{
	fill_ps(c, la, pa, 4096, global);
}

static bool hit(const msim_tlb_ctx *c, uint64_t la)
{
	msim_tlb_hit h;

	return msim_tlb_lookup(t, c, la, false, &h) != 0;
}

static void inv(const msim_tlb_ctx *c, msim_inv_kind k, uint64_t a0,
		uint64_t a1, uint64_t a2)
{
	msim_inv op = { k, { a0, a1, a2 } };

	cr_assert_eq(msim_tlb_invalidate(t, c, &op, NULL), 0, "%s",
		     msim_last_error());
}

/* ------------------------------------------------------------ tags */

Test(tlb, P6_1_hit_translates_with_offset)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_tlb_hit h;

	fill(&c, 0x7000, 0xabc000, false);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x7123, false, &h), 1);
	cr_assert_eq(h.pa, 0xabc123);
	cr_assert_eq(h.page_size, 4096);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x8000, false, &h), 0);
}

Test(tlb, P6_7_tags_vpid_pcid_ep4ta_must_all_match)
{
	msim_tlb_ctx c = ctx(1, EPTP_A, 3, true);
	msim_tlb_ctx o;

	fill(&c, 0x400000, 0x5000, false);
	cr_assert(hit(&c, 0x400000));
	o = ctx(1, EPTP_A, 5, true);
	cr_assert_not(hit(&o, 0x400000), "other PCID");
	o = ctx(2, EPTP_A, 3, true);
	cr_assert_not(hit(&o, 0x400000), "other VPID");
	o = ctx(1, EPTP_B, 3, true);
	cr_assert_not(hit(&o, 0x400000), "other EP4TA");
	o = ctx(1, 0, 3, true);
	cr_assert_not(hit(&o, 0x400000), "linear vs combined mapping");
}

Test(tlb, P6_7_global_entry_matches_any_pcid_only_with_pge)
{
	msim_tlb_ctx c = ctx(0, 0, 3, true), o = ctx(0, 0, 9, true);
	msim_tlb_ctx nopge = ctx(0, 0, 9, false);

	fill(&c, 0x1000, 0x2000, true);
	cr_assert(hit(&o, 0x1000));
	cr_assert_not(hit(&nopge, 0x1000));
	/* G=1 without CR4.PGE at fill time (PCID 4): not global */
	nopge.pcid = 4;
	fill(&nopge, 0x3000, 0x4000, true);
	cr_assert_not(hit(&o, 0x3000));
}

Test(tlb, P6_2_failed_walk_is_not_cached)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_walk_result r;

	memset(&r, 0, sizeof(r));
	r.fault.kind = MSIM_FAULT_PF;
	r.pa = 0x5000;
	r.page_size = 4096;
	r.leaf_level = 1;
	msim_tlb_fill(t, &c, 0x1000, false, &r);
	cr_assert_not(hit(&c, 0x1000));
	cr_assert_eq(msim_tlb_count(t, MSIM_TLBP_STLB), 0);
}

Test(tlb, P8_7_combined_entry_is_min_of_guest_and_nested_page)
{
	msim_tlb_ctx c = ctx(1, EPTP_A, 0, false);
	msim_walk_result r;
	msim_tlb_hit h;

	memset(&r, 0, sizeof(r));
	r.pa = 0x40201000; /* guest 2M page, nested 4K page */
	r.gpa = 0x30201000;
	r.page_size = 2ULL << 20;
	r.nested_page_size = 4096;
	r.leaf_level = 2;
	msim_tlb_fill(t, &c, 0x600201000, false, &r);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x600201234, false, &h), 1);
	cr_assert_eq(h.page_size, 4096);
	cr_assert_eq(h.pa, 0x40201234);
	cr_assert_eq(h.gpa, 0x30201234, "the combined entry remembers the gpa");
	cr_assert_not(hit(&c, 0x600202000), "next 4K of the 2M guest page");
}

Test(tlb, stlb_hit_refills_l1)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_tlb_hit h;

	fill(&c, 0x1000, 0x2000, false);
	/* evict from the 4-way L1 set (16 sets: stride 16 pages) */
	for (uint64_t i = 1; i <= 4; i++)
		fill(&c, 0x1000 + i * 16 * 4096, 0x9000, false);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x1000, false, &h), 2);
	cr_assert_eq(h.pa, 0x2000);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x1000, false, &h), 1);
}

Test(tlb, fetch_fills_itlb_data_lookup_uses_stlb)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_walk_result r;
	msim_tlb_hit h;

	memset(&r, 0, sizeof(r));
	r.pa = 0x5000;
	r.gpa = 0x5000;
	r.page_size = 4096;
	r.leaf_level = 1;
	msim_tlb_fill(t, &c, 0x1000, true, &r);
	cr_assert_eq(msim_tlb_count(t, MSIM_TLBP_L1I), 1);
	cr_assert_eq(msim_tlb_count(t, MSIM_TLBP_L1D), 0);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x1000, true, &h), 1);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x1000, false, &h), 2,
		     "shared STLB serves the data side");
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x1000, false, &h), 1);
}

Test(tlb, gigabyte_pages_use_the_1g_arrays)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_tlb_hit h;

	fill_ps(&c, 0x40000000, 0x1c0000000, 1ULL << 30, false);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x7fffffff, false, &h), 1);
	cr_assert_eq(h.pa, 0x1ffffffff);
	cr_assert_eq(h.page_size, 1ULL << 30);
	/* the 4-entry L1 1G array loses it to 4 other 1G pages; the 16-entry
	 * 1G STLB still has it */
	for (uint64_t i = 2; i < 6; i++)
		fill_ps(&c, i << 30, 0, 1ULL << 30, false);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x40000000, false, &h), 2);
}

/* ------------------------------------------------------------ MOV CR3 */

Test(tlb, P6_9_mov_cr3_noflush_keeps_everything)
{
	msim_tlb_ctx c3 = ctx(1, EPTP_A, 3, true);

	fill(&c3, 0x1000, 0x2000, false);
	/* executed under PCID 3, switching to PCID 5 with bit 63 set */
	inv(&c3, MSIM_INV_MOV_CR3, (1ULL << 63) | 0x8000 | 5, 0, 0);
	cr_assert(hit(&c3, 0x1000));
	/* the brief's example continues: INVVPID single for VPID 1 removes it */
	inv(&c3, MSIM_INV_INVVPID, 1, 1, 0);
	cr_assert_not(hit(&c3, 0x1000));
}

Test(tlb, P6_10_invept_single_other_eptp_keeps_entry)
{
	msim_tlb_ctx c = ctx(1, EPTP_A, 3, true);

	fill(&c, 0x1000, 0x2000, false);
	inv(&c, MSIM_INV_INVEPT, 1, EPTP_B, 0);
	cr_assert(hit(&c, 0x1000));
	inv(&c, MSIM_INV_INVEPT, 1, EPTP_A, 0);
	cr_assert_not(hit(&c, 0x1000));
}

Test(tlb, P6_9_mov_cr3_flushes_nonglobal_of_new_pcid_only)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, true), c5 = ctx(0, 0, 5, true);

	fill(&c3, 0x1000, 0x2000, false);
	fill(&c3, 0x3000, 0x4000, true);
	fill(&c5, 0x5000, 0x6000, false);
	/* running PCID 5, MOV CR3 to PCID 3 without bit 63 */
	inv(&c5, MSIM_INV_MOV_CR3, 0x10000 | 3, 0, 0);
	cr_assert_not(hit(&c3, 0x1000));
	cr_assert(hit(&c3, 0x3000), "global survives");
	cr_assert(hit(&c5, 0x5000), "PCID 5 untouched");
}

Test(tlb, P6_9_mov_cr3_pcide0_flushes_pcid0_keeps_global)
{
	msim_tlb_ctx c = ctx(0, 0, 0, true);

	c.pcide = false;
	fill(&c, 0x1000, 0x2000, false);
	fill(&c, 0x3000, 0x4000, true);
	/* bit 63 means nothing without PCIDE: still a flush */
	inv(&c, MSIM_INV_MOV_CR3, (1ULL << 63) | 0x10000, 0, 0);
	cr_assert_not(hit(&c, 0x1000));
	cr_assert(hit(&c, 0x3000));
}

/* ------------------------------------------------------------ MOV CR4/CR0/EFER */

Test(tlb, P6_9_cr4_pge_toggle_flushes_globals_all_pcids)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, true), c5 = ctx(0, 0, 5, true);

	fill(&c3, 0x3000, 0x4000, true);
	fill(&c5, 0x5000, 0x6000, false);
	inv(&c3, MSIM_INV_MOV_CR4, MSIM_CR4_PGE | MSIM_CR4_PAE,
	    MSIM_CR4_PAE, 0);
	cr_assert_not(hit(&c3, 0x3000));
	cr_assert_not(hit(&c5, 0x5000));
}

Test(tlb, P6_9_cr4_pcide_1_to_0_flushes_all)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, false), c0 = ctx(0, 0, 0, false);

	fill(&c3, 0x3000, 0x4000, false);
	fill(&c0, 0x5000, 0x6000, false);
	inv(&c0, MSIM_INV_MOV_CR4, MSIM_CR4_PCIDE | MSIM_CR4_PAE, MSIM_CR4_PAE, 0);
	cr_assert_not(hit(&c3, 0x3000));
	cr_assert_not(hit(&c0, 0x5000));
}

Test(tlb, P6_9_cr4_smep_0_to_1_flushes_current_pcid_only)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, false), c5 = ctx(0, 0, 5, false);

	fill(&c3, 0x3000, 0x4000, false);
	fill(&c5, 0x5000, 0x6000, false);
	inv(&c3, MSIM_INV_MOV_CR4, MSIM_CR4_PAE, MSIM_CR4_PAE | MSIM_CR4_SMEP, 0);
	cr_assert_not(hit(&c3, 0x3000));
	cr_assert(hit(&c5, 0x5000));
}

Test(tlb, P6_9_cr4_smep_1_to_0_and_smap_pke_need_nothing)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	fill(&c, 0x3000, 0x4000, false);
	inv(&c, MSIM_INV_MOV_CR4, MSIM_CR4_PAE | MSIM_CR4_SMEP, MSIM_CR4_PAE, 0);
	inv(&c, MSIM_INV_MOV_CR4, MSIM_CR4_PAE,
	    MSIM_CR4_PAE | MSIM_CR4_SMAP | MSIM_CR4_PKE, 0);
	inv(&c, MSIM_INV_MOV_CR4, MSIM_CR4_PAE, MSIM_CR4_PAE | MSIM_CR4_PCIDE, 0);
	cr_assert(hit(&c, 0x3000));
}

Test(tlb, P6_9_cr4_pae_change_flushes_current_pcid)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	fill(&c, 0x3000, 0x4000, false);
	inv(&c, MSIM_INV_MOV_CR4, MSIM_CR4_PAE, 0, 0);
	cr_assert_not(hit(&c, 0x3000));
}

Test(tlb, P6_9_cr0_pg_clear_flushes_all_wp_needs_nothing)
{
	msim_tlb_ctx c = ctx(0, 0, 0, true);

	fill(&c, 0x3000, 0x4000, true);
	inv(&c, MSIM_INV_MOV_CR0, MSIM_CR0_PG | MSIM_CR0_WP, MSIM_CR0_PG, 0);
	cr_assert(hit(&c, 0x3000), "CR0.WP change requires nothing (SDM Vol. 3A 4.6.2)");
	inv(&c, MSIM_INV_MOV_CR0, MSIM_CR0_PG, 0, 0);
	cr_assert_not(hit(&c, 0x3000));
}

Test(tlb, P6_9_efer_nxe_change_flushes_recommended)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	fill(&c, 0x3000, 0x4000, false);
	inv(&c, MSIM_INV_WRMSR_EFER, MSIM_EFER_LME, MSIM_EFER_LME, 0);
	cr_assert(hit(&c, 0x3000), "unchanged EFER: nothing");
	inv(&c, MSIM_INV_WRMSR_EFER, MSIM_EFER_LME | MSIM_EFER_NXE,
	    MSIM_EFER_LME, 0);
	cr_assert_not(hit(&c, 0x3000));
}

Test(tlb, eager_mode_flushes_on_wp_change)
{
	msim_tlb_config cfg = MSIM_TLB_CONFIG_INIT;
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	msim_tlb_free(t);
	cfg.eager = true;
	cr_assert_eq(msim_tlb_create(&t, &cfg), 0);
	fill(&c, 0x3000, 0x4000, false);
	inv(&c, MSIM_INV_MOV_CR0, MSIM_CR0_PG | MSIM_CR0_WP, MSIM_CR0_PG, 0);
	cr_assert_not(hit(&c, 0x3000));
	fill(&c, 0x3000, 0x4000, false);
	/* eager flushes everything even for a single-page INVLPG elsewhere */
	inv(&c, MSIM_INV_INVLPG, 0x999000, 0, 0);
	cr_assert_not(hit(&c, 0x3000));
}

/* ------------------------------------------------------------ INVLPG / INVPCID */

Test(tlb, P6_9_invlpg_removes_page_and_its_global_keeps_others)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, true), c5 = ctx(0, 0, 5, true);

	fill(&c3, 0x1000, 0x2000, false);
	fill(&c5, 0x1000, 0x7000, false);
	fill(&c5, 0x3000, 0x4000, true); /* global created under PCID 5 */
	fill(&c3, 0x5000, 0x6000, false);
	inv(&c3, MSIM_INV_INVLPG, 0x1abc, 0, 0);
	inv(&c3, MSIM_INV_INVLPG, 0x3000, 0, 0);
	cr_assert_not(hit(&c3, 0x1000));
	cr_assert(hit(&c5, 0x1000), "other PCID's non-global entry may stay");
	cr_assert_not(hit(&c5, 0x3000), "global entry of the page under any PCID");
	cr_assert(hit(&c3, 0x5000));
}

Test(tlb, P6_5_invlpg_anywhere_in_large_page_removes_it)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	fill_ps(&c, 0x40000000, 0x80000000, 2ULL << 20, false);
	cr_assert(hit(&c, 0x401fffff));
	inv(&c, MSIM_INV_INVLPG, 0x401ff000, 0, 0);
	cr_assert_not(hit(&c, 0x40000000));
	/* 4 MB page of 32-bit paging, kept as 2 MB pieces */
	fill_ps(&c, 0x00c00000, 0x01000000, 4ULL << 20, false);
	cr_assert(hit(&c, 0x00c00000));
	inv(&c, MSIM_INV_INVLPG, 0x00ff0000, 0, 0); /* other half */
	cr_assert_not(hit(&c, 0x00c00000));
}

Test(tlb, P6_5_splintered_combined_entry_goes_with_its_guest_page)
{
	msim_tlb_ctx c = ctx(1, EPTP_A, 0, false);
	msim_walk_result r;

	/* guest 2M page on 4K host pages: a 4K combined entry */
	memset(&r, 0, sizeof(r));
	r.pa = 0x40201000;
	r.gpa = 0x30201000;
	r.page_size = 2ULL << 20;
	r.nested_page_size = 4096;
	r.leaf_level = 2;
	msim_tlb_fill(t, &c, 0x600201000, false, &r);
	cr_assert(hit(&c, 0x600201000));
	/* the guest invalidates its 2M page through another address */
	inv(&c, MSIM_INV_INVLPG, 0x6003ff000, 0, 0);
	cr_assert_not(hit(&c, 0x600201000));
}

Test(tlb, P6_5_fracture_knob_keeps_4k_pieces)
{
	msim_tlb_config cfg = MSIM_TLB_CONFIG_INIT;
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_tlb_hit h;

	msim_tlb_free(t);
	cfg.fracture = true;
	cr_assert_eq(msim_tlb_create(&t, &cfg), 0);
	fill_ps(&c, 0x40000000, 0x80000000, 2ULL << 20, false);
	cr_assert_eq(msim_tlb_lookup(t, &c, 0x40000123, false, &h), 1);
	cr_assert_eq(h.page_size, 4096);
	cr_assert_eq(h.pa, 0x80000123);
	cr_assert_not(hit(&c, 0x40001000), "other 4K of the page: not cached");
	inv(&c, MSIM_INV_INVLPG, 0x401ff000, 0, 0);
	cr_assert_not(hit(&c, 0x40000000));
}

Test(tlb, P6_9_invpcid_types)
{
	msim_tlb_ctx c3 = ctx(0, 0, 3, true), c5 = ctx(0, 0, 5, true);

	fill(&c3, 0x1000, 0x2000, false);
	fill(&c3, 0x3000, 0x4000, false);
	fill(&c3, 0x5000, 0x6000, true);
	fill(&c5, 0x7000, 0x8000, false);
	/* type 0: one (PCID, LA), non-global */
	inv(&c5, MSIM_INV_INVPCID, 0, 3, 0x1000);
	inv(&c5, MSIM_INV_INVPCID, 0, 3, 0x5000);
	cr_assert_not(hit(&c3, 0x1000));
	cr_assert(hit(&c3, 0x3000));
	cr_assert(hit(&c3, 0x5000), "type 0 spares globals");
	/* type 1: whole PCID, non-global */
	inv(&c5, MSIM_INV_INVPCID, 1, 3, 0);
	cr_assert_not(hit(&c3, 0x3000));
	cr_assert(hit(&c3, 0x5000));
	cr_assert(hit(&c5, 0x7000));
	/* type 3: all PCIDs except globals */
	inv(&c5, MSIM_INV_INVPCID, 3, 0, 0);
	cr_assert_not(hit(&c5, 0x7000));
	cr_assert(hit(&c3, 0x5000));
	/* type 2: everything */
	inv(&c5, MSIM_INV_INVPCID, 2, 0, 0);
	cr_assert_not(hit(&c3, 0x5000));
	cr_assert_eq(msim_tlb_count(t, MSIM_TLBP_STLB), 0);
}

Test(tlb, invalid_types_are_rejected)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	msim_inv op = { MSIM_INV_INVPCID, { 4, 0, 0 } };

	cr_assert_eq(msim_tlb_invalidate(t, &c, &op, NULL), MSIM_EINVAL);
	op.kind = MSIM_INV_INVEPT;
	op.a[0] = 3;
	cr_assert_eq(msim_tlb_invalidate(t, &c, &op, NULL), MSIM_EINVAL);
	op.kind = MSIM_INV_TLB_CONTROL;
	op.a[0] = 2;
	cr_assert_eq(msim_tlb_invalidate(t, &c, &op, NULL), MSIM_EINVAL);
	op.kind = (msim_inv_kind)99;
	cr_assert_eq(msim_tlb_invalidate(t, &c, &op, NULL), MSIM_EINVAL);
	cr_assert_str_eq(msim_inv_kind_name(MSIM_INV_INVVPID), "invvpid");
}

/* ------------------------------------------------------------ VMX */

Test(tlb, P6_10_guest_native_ops_hit_all_ep4tas_of_current_vpid)
{
	msim_tlb_ctx a = ctx(1, EPTP_A, 0, false), b = ctx(1, EPTP_B, 0, false);
	msim_tlb_ctx v2 = ctx(2, EPTP_A, 0, false);

	fill(&a, 0x1000, 0x2000, false);
	fill(&b, 0x1000, 0x3000, false);
	fill(&v2, 0x1000, 0x4000, false);
	inv(&a, MSIM_INV_INVLPG, 0x1000, 0, 0);
	cr_assert_not(hit(&a, 0x1000));
	cr_assert_not(hit(&b, 0x1000), "combined mappings of every EP4TA");
	cr_assert(hit(&v2, 0x1000), "other VPID untouched");
}

Test(tlb, P6_10_invvpid_types)
{
	msim_tlb_ctx v1 = ctx(1, 0, 0, true), v2 = ctx(2, 0, 7, true);
	msim_tlb_ctx v0 = ctx(0, 0, 0, true);

	fill(&v1, 0x1000, 0x2000, false);
	fill(&v1, 0x3000, 0x4000, false);
	fill(&v2, 0x1000, 0x5000, true);
	fill(&v2, 0x3000, 0x6000, false);
	fill(&v0, 0x1000, 0x7000, false);
	/* type 0: (VPID, LA), every PCID, globals too */
	inv(&v0, MSIM_INV_INVVPID, 0, 1, 0x1000);
	cr_assert_not(hit(&v1, 0x1000));
	cr_assert(hit(&v1, 0x3000));
	/* type 3: VPID except globals */
	inv(&v0, MSIM_INV_INVVPID, 3, 2, 0);
	cr_assert(hit(&v2, 0x1000));
	cr_assert_not(hit(&v2, 0x3000));
	/* type 2: every VPID but 0 */
	inv(&v0, MSIM_INV_INVVPID, 2, 0, 0);
	cr_assert_not(hit(&v1, 0x3000));
	cr_assert_not(hit(&v2, 0x1000));
	cr_assert(hit(&v0, 0x1000));
}

Test(tlb, P6_10_vm_transitions_flush_vpid0_only_without_vpid)
{
	msim_tlb_ctx v0 = ctx(0, EPTP_A, 0, false), v1 = ctx(1, EPTP_A, 0, false);

	fill(&v0, 0x1000, 0x2000, false);
	fill(&v1, 0x1000, 0x3000, false);
	inv(&v1, MSIM_INV_VMENTRY, 1, 0, 0); /* enable VPID = 1: nothing */
	inv(&v1, MSIM_INV_VMEXIT, 1, 0, 0);
	cr_assert(hit(&v0, 0x1000));
	inv(&v0, MSIM_INV_VMEXIT, 0, 0, 0);
	cr_assert_not(hit(&v0, 0x1000));
	cr_assert(hit(&v1, 0x1000));
	fill(&v0, 0x1000, 0x2000, false);
	inv(&v0, MSIM_INV_VMENTRY, 0, 0, 0);
	cr_assert_not(hit(&v0, 0x1000));
}

Test(tlb, P6_10_invept_all_keeps_linear_mappings)
{
	msim_tlb_ctx lin = ctx(1, 0, 0, false), a = ctx(1, EPTP_A, 0, false);
	msim_tlb_ctx b = ctx(2, EPTP_B, 0, false);

	fill(&lin, 0x1000, 0x2000, false);
	fill(&a, 0x1000, 0x3000, false);
	fill(&b, 0x1000, 0x4000, false);
	inv(&a, MSIM_INV_INVEPT, 2, 0, 0);
	cr_assert(hit(&lin, 0x1000));
	cr_assert_not(hit(&a, 0x1000));
	cr_assert_not(hit(&b, 0x1000));
}

Test(tlb, P6_10_ept_violation_removes_combined_mapping_of_la)
{
	msim_tlb_ctx a = ctx(1, EPTP_A, 0, false);

	fill(&a, 0x1000, 0x2000, false);
	fill(&a, 0x5000, 0x6000, false);
	inv(&a, MSIM_INV_EPT_VIOLATION, 0x2000, 0x1000, 1);
	cr_assert_not(hit(&a, 0x1000));
	cr_assert(hit(&a, 0x5000));
}

/* ------------------------------------------------------------ AMD */

Test(tlb, P6_11_tlb_control)
{
	msim_tlb_ctx a1 = ctx(1, 0, 0, true), a2 = ctx(2, 0, 0, true);

	fill(&a1, 0x1000, 0x2000, false);
	fill(&a1, 0x3000, 0x4000, true);
	fill(&a2, 0x1000, 0x5000, false);
	inv(&a1, MSIM_INV_TLB_CONTROL, 0, 1, 0);
	cr_assert(hit(&a1, 0x1000));
	inv(&a1, MSIM_INV_TLB_CONTROL, 7, 1, 0); /* non-global of ASID 1 */
	cr_assert_not(hit(&a1, 0x1000));
	cr_assert(hit(&a1, 0x3000));
	cr_assert(hit(&a2, 0x1000));
	inv(&a1, MSIM_INV_TLB_CONTROL, 3, 1, 0); /* all of ASID 1 */
	cr_assert_not(hit(&a1, 0x3000));
	cr_assert(hit(&a2, 0x1000));
	inv(&a1, MSIM_INV_TLB_CONTROL, 1, 1, 0); /* everything */
	cr_assert_not(hit(&a2, 0x1000));
}

Test(tlb, P6_11_invlpga_one_la_one_asid)
{
	msim_tlb_ctx a1 = ctx(1, 0, 0, false), a2 = ctx(2, 0, 0, false);

	fill(&a1, 0x1000, 0x2000, false);
	fill(&a2, 0x1000, 0x3000, false);
	inv(&a2, MSIM_INV_INVLPGA, 0x1000, 1, 0);
	cr_assert_not(hit(&a1, 0x1000));
	cr_assert(hit(&a2, 0x1000));
}

Test(tlb, P6_9_pf_removes_faulting_page)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	fill(&c, 0x1000, 0x2000, false);
	fill(&c, 0x3000, 0x4000, false);
	inv(&c, MSIM_INV_PF, 0x1800, 0, 0);
	cr_assert_not(hit(&c, 0x1000));
	cr_assert(hit(&c, 0x3000));
}

/* ------------------------------------------------------------ replacement */

/* A TLB with only a 4-entry fully associative L1 DTLB (4K). */
static void only_l1(msim_repl repl, unsigned entries, unsigned ways)
{
	msim_tlb_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.l1d[0].entries = entries;
	cfg.l1d[0].ways = ways;
	cfg.l1d[0].repl = repl;
	cfg.seed = 7;
	msim_tlb_free(t);
	cr_assert_eq(msim_tlb_create(&t, &cfg), 0, "%s", msim_last_error());
}

Test(tlb, lru_evicts_least_recently_used_exactly)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	only_l1(MSIM_REPL_LRU, 4, 4);
	for (uint64_t p = 0; p < 4; p++)
		fill(&c, p << 12, p << 20, false);
	/* use order 2, 0, 3, 1: LRU order is now 2 0 3 1 (2 oldest) */
	cr_assert(hit(&c, 2 << 12));
	cr_assert(hit(&c, 0 << 12));
	cr_assert(hit(&c, 3 << 12));
	cr_assert(hit(&c, 1 << 12));
	fill(&c, 4 << 12, 4 << 20, false); /* evicts 2 */
	fill(&c, 5 << 12, 5 << 20, false); /* evicts 0 */
	cr_assert(hit(&c, 3 << 12));      /* 3 becomes MRU; next victim 1 */
	fill(&c, 6 << 12, 6 << 20, false); /* evicts 1 */
	cr_assert_not(hit(&c, 2 << 12));
	cr_assert_not(hit(&c, 0 << 12));
	cr_assert_not(hit(&c, 1 << 12));
	cr_assert(hit(&c, 3 << 12));
	cr_assert(hit(&c, 4 << 12));
	cr_assert(hit(&c, 5 << 12));
	cr_assert(hit(&c, 6 << 12));
}

Test(tlb, plru_tree_victim_order_exactly)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);

	only_l1(MSIM_REPL_PLRU, 4, 4);
	/* fills take the invalid ways 0..3 in order; each use points the
	 * tree nodes on its path away from it: after 0,1,2,3 the root points
	 * left (away from 3) and node(0,1) left (away from 1) -> way 0 */
	for (uint64_t p = 0; p < 4; p++)
		fill(&c, p << 12, p << 20, false);
	fill(&c, 4 << 12, 4 << 20, false);
	cr_assert_not(hit(&c, 0 << 12));
	/* page 4 in way 0: root now right, node(2,3) away from 3 -> way 2 */
	fill(&c, 5 << 12, 5 << 20, false);
	cr_assert_not(hit(&c, 2 << 12));
	cr_assert(hit(&c, 1 << 12)); /* way 1: root -> right, node(0,1) -> 0 */
	cr_assert(hit(&c, 3 << 12)); /* way 3: root -> left, node(2,3) -> 2 */
	/* victim: root left -> node(0,1) -> way 0 (page 4) */
	fill(&c, 6 << 12, 6 << 20, false);
	cr_assert_not(hit(&c, 4 << 12));
	cr_assert(hit(&c, 5 << 12));
	cr_assert(hit(&c, 1 << 12));
	cr_assert(hit(&c, 3 << 12));
	cr_assert(hit(&c, 6 << 12));
}

Test(tlb, plru_needs_power_of_two_ways)
{
	msim_tlb_config cfg = MSIM_TLB_CONFIG_INIT;
	msim_tlb *x = NULL;

	cfg.stlb.repl = MSIM_REPL_PLRU; /* 12-way */
	cr_assert_eq(msim_tlb_create(&x, &cfg), MSIM_EINVAL);
	cr_assert_null(x);
	cfg = (msim_tlb_config)MSIM_TLB_CONFIG_INIT;
	cfg.stlb.entries = 1000; /* 1000/12 not a power-of-two set count */
	cr_assert_eq(msim_tlb_create(&x, &cfg), MSIM_EINVAL);
}

Test(tlb, random_replacement_is_seeded_and_deterministic)
{
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	bool first[64], second[64];

	for (int run = 0; run < 2; run++) {
		only_l1(MSIM_REPL_RANDOM, 8, 8);
		for (uint64_t p = 0; p < 64; p++)
			fill(&c, p << 12, p << 20, false);
		for (uint64_t p = 0; p < 64; p++)
			(run ? second : first)[p] = hit(&c, p << 12);
	}
	unsigned n = 0;
	for (int p = 0; p < 64; p++) {
		cr_assert_eq(first[p], second[p]);
		n += first[p];
	}
	cr_assert_eq(n, 8, "exactly the 8 ways hold entries");
	cr_assert(first[63], "the last fill is always present");
}

Test(tlb, xor_index_spreads_2m_strides)
{
	msim_tlb_config cfg;
	msim_tlb_ctx c = ctx(0, 0, 0, false);
	unsigned hits = 0;

	/* 64 entries, 4 ways, 16 sets: 64 KB strides of 4K pages all share
	 * tag[3:0] (one set); with the XOR fold tag[7:4] = i & 15 spreads
	 * them over all 16 sets (the STLB effect seen in traces/hw) */
	memset(&cfg, 0, sizeof(cfg));
	cfg.l1d[0] = (msim_tlb_geom){ 64, 4, MSIM_REPL_LRU, true };
	msim_tlb_free(t);
	cr_assert_eq(msim_tlb_create(&t, &cfg), 0);
	for (uint64_t i = 0; i < 32; i++)
		fill(&c, i << 16, i << 16, false);
	for (uint64_t i = 0; i < 32; i++)
		hits += hit(&c, i << 16);
	cr_assert_eq(hits, 32);
	cfg.l1d[0].xor_index = false;
	msim_tlb_free(t);
	cr_assert_eq(msim_tlb_create(&t, &cfg), 0);
	hits = 0;
	for (uint64_t i = 0; i < 32; i++)
		fill(&c, i << 16, i << 16, false);
	for (uint64_t i = 0; i < 32; i++)
		hits += hit(&c, i << 16);
	cr_assert_eq(hits, 4, "one set, 4 ways");
}

/* ------------------------------------------------------------ matrix */

/*
 * Every invalidation against one population of entries that differ in one
 * tag at a time; executed under (VPID 1, EPTP A, PCID 3, PGE, PCIDE).
 * Expected removals follow SDM Vol. 3A 4.10.4.1 (native, acting on the current VPID and
 * every EP4TA, SDM Vol. 3C 28.3.3.1), SDM Vol. 3C 28.3.3.1 (VMX) and AMD APM Vol. 2 15.16 (AMD); the table lists the
 * minimum the architecture requires, which is what the model removes.
 */
#define LA_A 0x10000ULL
#define LA_B 0x20000ULL
#define LA_C 0x30000ULL

struct pop {
	uint16_t vpid;
	uint64_t eptp;
	uint16_t pcid;
	bool global;
	uint64_t la;
};

static const struct pop population[] = {
	/* E0 */ { 0, 0, 0, false, LA_A },
	/* E1 */ { 0, 0, 0, true, LA_B },
	/* E2 */ { 1, EPTP_A, 3, false, LA_A },
	/* E3 */ { 1, EPTP_A, 5, false, LA_A },
	/* E4 */ { 1, EPTP_B, 3, false, LA_A },
	/* E5 */ { 2, EPTP_A, 3, false, LA_A },
	/* E6 */ { 1, EPTP_A, 3, true, LA_B },
	/* E7 */ { 1, EPTP_A, 3, false, LA_C },
};

#define E(i) (1u << (i))

static const struct {
	const char *what;
	msim_inv op;
	unsigned removed;
} matrix[] = {
	{ "mov cr3 no-flush", { MSIM_INV_MOV_CR3, { (1ULL << 63) | 5, 0, 0 } }, 0 },
	{ "mov cr3 pcid 5", { MSIM_INV_MOV_CR3, { 5, 0, 0 } }, E(3) },
	{ "invlpg A", { MSIM_INV_INVLPG, { LA_A, 0, 0 } }, E(2) | E(4) },
	{ "invlpg B (global)", { MSIM_INV_INVLPG, { LA_B, 0, 0 } }, E(6) },
	{ "invpcid 0 (3, A)", { MSIM_INV_INVPCID, { 0, 3, LA_A } }, E(2) | E(4) },
	{ "invpcid 0 (3, B)", { MSIM_INV_INVPCID, { 0, 3, LA_B } }, 0 },
	{ "invpcid 1 (3)", { MSIM_INV_INVPCID, { 1, 3, 0 } }, E(2) | E(4) | E(7) },
	{ "invpcid 2", { MSIM_INV_INVPCID, { 2, 0, 0 } },
	  E(2) | E(3) | E(4) | E(6) | E(7) },
	{ "invpcid 3", { MSIM_INV_INVPCID, { 3, 0, 0 } },
	  E(2) | E(3) | E(4) | E(7) },
	{ "invvpid 0 (1, A)", { MSIM_INV_INVVPID, { 0, 1, LA_A } },
	  E(2) | E(3) | E(4) },
	{ "invvpid 0 (1, B)", { MSIM_INV_INVVPID, { 0, 1, LA_B } }, E(6) },
	{ "invvpid 1 (1)", { MSIM_INV_INVVPID, { 1, 1, 0 } },
	  E(2) | E(3) | E(4) | E(6) | E(7) },
	{ "invvpid 2", { MSIM_INV_INVVPID, { 2, 0, 0 } },
	  E(2) | E(3) | E(4) | E(5) | E(6) | E(7) },
	{ "invvpid 3 (1)", { MSIM_INV_INVVPID, { 3, 1, 0 } },
	  E(2) | E(3) | E(4) | E(7) },
	{ "invept 1 (A)", { MSIM_INV_INVEPT, { 1, EPTP_A, 0 } },
	  E(2) | E(3) | E(5) | E(6) | E(7) },
	{ "invept 1 (B)", { MSIM_INV_INVEPT, { 1, EPTP_B, 0 } }, E(4) },
	{ "invept 2", { MSIM_INV_INVEPT, { 2, 0, 0 } },
	  E(2) | E(3) | E(4) | E(5) | E(6) | E(7) },
	{ "vm entry, VPID off", { MSIM_INV_VMENTRY, { 0, 0, 0 } }, E(0) | E(1) },
	{ "vm exit, VPID off", { MSIM_INV_VMEXIT, { 0, 0, 0 } }, E(0) | E(1) },
	{ "vm entry, VPID on", { MSIM_INV_VMENTRY, { 1, 0, 0 } }, 0 },
	{ "cr4.pge 1->0", { MSIM_INV_MOV_CR4, { MSIM_CR4_PGE | MSIM_CR4_PCIDE,
						  MSIM_CR4_PCIDE, 0 } },
	  E(2) | E(3) | E(4) | E(6) | E(7) },
	{ "cr4.smep 0->1", { MSIM_INV_MOV_CR4, { MSIM_CR4_PCIDE,
						   MSIM_CR4_PCIDE | MSIM_CR4_SMEP, 0 } },
	  E(2) | E(4) | E(6) | E(7) },
	{ "cr4.smap 0->1", { MSIM_INV_MOV_CR4, { MSIM_CR4_PCIDE,
						   MSIM_CR4_PCIDE | MSIM_CR4_SMAP, 0 } }, 0 },
	{ "cr0.pg 1->0", { MSIM_INV_MOV_CR0, { MSIM_CR0_PG, 0, 0 } },
	  E(2) | E(3) | E(4) | E(6) | E(7) },
	{ "cr0.wp 1->0", { MSIM_INV_MOV_CR0, { MSIM_CR0_PG | MSIM_CR0_WP,
						 MSIM_CR0_PG, 0 } }, 0 },
	{ "#PF A", { MSIM_INV_PF, { LA_A, 0, 0 } }, E(2) | E(4) },
	{ "EPT violation A", { MSIM_INV_EPT_VIOLATION, { 0x5000, LA_A, 1 } },
	  E(2) },
	{ "EPT violation, no LA", { MSIM_INV_EPT_VIOLATION, { 0x5000, LA_A, 0 } },
	  0 },
	{ "TLB_CONTROL 3 (ASID 1)", { MSIM_INV_TLB_CONTROL, { 3, 1, 0 } },
	  E(2) | E(3) | E(4) | E(6) | E(7) },
	{ "TLB_CONTROL 7 (ASID 1)", { MSIM_INV_TLB_CONTROL, { 7, 1, 0 } },
	  E(2) | E(3) | E(4) | E(7) },
	{ "TLB_CONTROL 1", { MSIM_INV_TLB_CONTROL, { 1, 1, 0 } }, 0xff },
	{ "INVLPGA (A, ASID 2)", { MSIM_INV_INVLPGA, { LA_A, 2, 0 } }, E(5) },
	{ "all", { MSIM_INV_ALL, { 0, 0, 0 } }, 0xff },
};

static msim_tlb_ctx pop_ctx(const struct pop *p)
{
	return ctx(p->vpid, p->eptp, p->pcid, true);
}

Test(tlb, P6_9_P6_10_P6_11_invalidation_matrix)
{
	const unsigned n = sizeof(population) / sizeof(population[0]);
	msim_tlb_ctx cur = ctx(1, EPTP_A, 3, true);

	for (size_t k = 0; k < sizeof(matrix) / sizeof(matrix[0]); k++) {
		msim_tlb_free(t);
		cr_assert_eq(msim_tlb_create(&t, NULL), 0);
		for (unsigned i = 0; i < n; i++) {
			msim_tlb_ctx c = pop_ctx(&population[i]);
			fill(&c, population[i].la, 0x100000 * (i + 1),
			     population[i].global);
		}
		for (unsigned i = 0; i < n; i++) {
			msim_tlb_ctx c = pop_ctx(&population[i]);
			cr_assert(hit(&c, population[i].la), "E%u cached", i);
		}
		cr_assert_eq(msim_tlb_invalidate(t, &cur, &matrix[k].op, NULL), 0,
			     "%s: %s", matrix[k].what, msim_last_error());
		for (unsigned i = 0; i < n; i++) {
			msim_tlb_ctx c = pop_ctx(&population[i]);
			bool gone = !hit(&c, population[i].la);
			cr_assert_eq(gone, (matrix[k].removed >> i) & 1,
				     "%s: E%u %s", matrix[k].what, i,
				     gone ? "removed" : "kept");
		}
	}
}
