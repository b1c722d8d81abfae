/*
 * Two-dimensional walks (SDM Vol. 3C 28.2.1, AMD APM Vol. 2 15.25.5): exact reference counts and order for every
 * guest/nested mode pair, page-size effects, fault ordering (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5), guest
 * A/D order knob, and the nested-cache hooks (SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5) / combined PSC start.
 * Counts are those the real walk makes, checked against the SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5/
 * SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 numbers written out here.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "walk_fixture.h"

#define GDATA 0x5000000ULL

static struct w2 w;
static msim_walk_opts opts;

static void init_with(msim_nested_kind kind, unsigned nlevels)
{
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;

	w2_init(&w, kind, nlevels);
	opts = o;
	opts.nested = &w.n;
	opts.no_ad = true; /* count reads only unless a test says otherwise */
}

static void fini(void)
{
	w2_fini(&w);
}

TestSuite(walk2d, .fini = fini);

/* 64-bit-format guest with `glevels` levels mapping la -> GDATA. */
static void guest64(unsigned glevels, uint64_t la, unsigned leaf_level)
{
	uint64_t pa = GDATA & ~((1ULL << (12 + 9 * (leaf_level - 1))) - 1);

	wt_map(&w.g, w.groot, glevels, la, pa, leaf_level, WT_PRU, WT_PRU);
	w2_nmap_range(&w, 0x100000, 0x240000);
}

static msim_walk_result *walk(const msim_paging_regs *r, uint64_t la, unsigned acc)
{
	cr_assert_eq(msim_walk(w.g.mem, &w.cpu, r, &opts, la, acc, &w.res), 0);
	return &w.res;
}

/*
 * Check the SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 order of the reads: for each guest level, m nested reads
 * then one guest read; then m nested reads for the data gpa. A/D writes
 * (NPT sets nested A/D as it goes) are skipped.
 */
static void check_order(const msim_walk_result *r, unsigned nguest,
			unsigned m, unsigned gtop)
{
	const msim_walk_ref *rd[MSIM_WALK_MAX_REFS];
	unsigned n = 0, i = 0;

	for (unsigned k = 0; k < r->nrefs && k < MSIM_WALK_MAX_REFS; k++)
		if (r->refs[k].kind != MSIM_REF_AD_WRITE)
			rd[n++] = &r->refs[k];
	for (unsigned g = 0; g < nguest; g++) {
		for (unsigned k = 0; k < m; k++, i++) {
			cr_assert_eq(rd[i]->dim, 1, "read %u", i);
			cr_assert_eq(rd[i]->level, w.nlevels - k, "read %u", i);
		}
		cr_assert_eq(rd[i]->dim, 0, "read %u", i);
		cr_assert_eq(rd[i]->level, gtop - g, "read %u", i);
		i++;
	}
	for (unsigned k = 0; k < m; k++, i++)
		cr_assert_eq(rd[i]->dim, 1, "final read %u", i);
	cr_assert_eq(n, i);
}

Test(walk2d, P8_1_4_on_4_ept_24_refs)
{
	msim_paging_regs r;
	msim_walk_result *res;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	res = walk(&r, 0x40000000ULL | 0x10, 0);
	cr_assert_eq(res->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res->nreads, 24);
	check_order(res, 4, 4, 4);
	/* first reference: EPT PML4E for the gpa in guest CR3 */
	cr_assert_eq(res->refs[0].addr, w.nroot + ((w.groot >> 39) & 511) * 8);
	/* 5th: the guest PML4E, at its hpa */
	cr_assert_eq(res->refs[4].addr, w.groot + W2_HOFF);
	cr_assert_eq(res->pa, GDATA + W2_HOFF + 0x10);
	cr_assert_eq(res->gpa, GDATA + 0x10);
	cr_assert_eq(res->entries[4].gpa, w.groot);
	cr_assert_eq(res->entries[4].hpa, w.groot + W2_HOFF);
	cr_assert_eq(res->rights.nested, 1);
	cr_assert_eq(res->rights.ept, 7);
	cr_assert_eq(res->nested_page_size, 4096);
}

Test(walk2d, P8_1_5_on_5_ept_35_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 5);
	r = wt_regs_lm(w.groot, true);
	guest64(5, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 35);
	check_order(&w.res, 5, 5, 5);
}

Test(walk2d, P8_1_4_on_5_and_5_on_4_29_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 5);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 29);
	check_order(&w.res, 4, 5, 4);
	w2_fini(&w);

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, true);
	guest64(5, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 29);
	check_order(&w.res, 5, 4, 5);
}

Test(walk2d, P8_1_npt_4_on_4_24_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_NPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, WT_PRU);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.nreads, 24);
	check_order(&w.res, 4, 4, 4);
}

/* PAE guest: PDPT at groot, one PD and PT, la = 0x40001000. */
static msim_paging_regs pae_guest(void)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;
	uint64_t pd = 0x200000, pt = 0x201000;
	bool gp;

	wt_w64(&w.g, w.groot + 8, pd | WT_P);
	wt_w64(&w.g, pd, pt | WT_PRU);
	wt_w64(&w.g, pt + 8, GDATA | WT_PRU);
	w2_nmap_range(&w, 0x100000, 0x240000);
	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG;
	r.cr4 = MSIM_CR4_PAE;
	r.cr3 = w.groot;
	/* PDPTE registers loaded at MOV CR3 (through EPT on Intel, SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5) */
	cr_assert_eq(msim_pae_load_pdptes(&w.cpu, w.g.mem, r.cr3, r.pdpte, &gp), 0);
	cr_assert(!gp);
	return r;
}

Test(walk2d, P8_3_pae_guest_on_ept_14_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 4);
	r = pae_guest();
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40001000ULL, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.nreads, 14);
	check_order(&w.res, 2, 4, 2);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
}

Test(walk2d, P8_3_P2_15_pae_guest_on_npt_19_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_NPT, 4);
	r = pae_guest();
	w2_nmap(&w, GDATA, 1, WT_PRU);
	cr_assert_eq(walk(&r, 0x40001000ULL, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.nreads, 19);
	check_order(&w.res, 3, 4, 3);
	/* the PDPTE is read on demand, at its hpa */
	{
		const msim_walk_ref *p = NULL;

		for (unsigned k = 0; k < w.res.nrefs; k++)
			if (w.res.refs[k].dim == 0 && !p)
				p = &w.res.refs[k];
		cr_assert_eq(p->kind, MSIM_REF_PDPTE);
		cr_assert_eq(p->addr, w.groot + 8 + W2_HOFF);
	}
	/* SDM Vol. 3A 4.4.1: a reserved bit in it is a guest #PF with RSVD, not #GP */
	wt_w64(&w.g, w.groot + 8, wt_r64(&w.g, w.groot + 8) | WT_RW);
	cr_assert_eq(walk(&r, 0x40001000ULL, 0)->fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(w.res.fault.pf_ec, 0x09);
}

Test(walk2d, P8_2_32bit_and_unpaged_guests)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;
	uint32_t la = 0x00401000u;
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	pte = wt_slot32(&w.g, w.groot, la, 1, WT_PRU);
	wt_w32(&w.g, pte, (uint32_t)GDATA | WT_PRU);
	w2_nmap_range(&w, 0x100000, 0x240000);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG;
	r.cr3 = w.groot;
	cr_assert_eq(walk(&r, la, 0)->nreads, 14);
	check_order(&w.res, 2, 4, 2);
	cr_assert_eq(w.res.refs[4].size, 4);
	/* SDM Vol. 3A 4.1.1: paging off, the LA is a gpa: one nested walk */
	r.cr0 = MSIM_CR0_PE;
	cr_assert_eq(walk(&r, GDATA + 8, 0)->nreads, 4);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF + 8);
}

Test(walk2d, P8_2_page_sizes_shorten_walks)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	/* guest 2-MB leaf: n = 3 -> 3*5 + 4 = 19 */
	guest64(4, 0x40000000ULL, 2);
	w2_nmap(&w, GDATA & ~0x1fffffULL, 2, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL | 0x1234, 0)->nreads, 3 * 5 + 3);
	cr_assert_eq(w.res.pa, (GDATA & ~0x1fffffULL) + W2_HOFF + 0x1234);
	cr_assert_eq(w.res.page_size, 2ULL << 20);
	cr_assert_eq(w.res.nested_page_size, 2ULL << 20);
	w2_fini(&w);

	/* nested 2-MB page only for the data gpa: 4*5 + 3 = 23 */
	init_with(MSIM_NESTED_EPT, 4);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 2, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 23);
	w2_fini(&w);

	/* all nested 1-GB pages: m = 2 -> 4*3 + 2 = 14 */
	init_with(MSIM_NESTED_EPT, 4);
	wt_map(&w.g, w.groot, 4, 0x40000000ULL, GDATA, 1, WT_PRU, WT_PRU);
	w2_nmap(&w, 0, 3, W2_EPT_RWX);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 14);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
}

/* ---- SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 fault ordering */

Test(walk2d, P8_4_guest_not_present_before_final_nested)
{
	msim_paging_regs r;
	uint64_t pde;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1); /* data gpa not mapped in EPT */
	pde = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 2, WT_PRU);
	wt_w64(&w.g, pde, 0);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(w.res.fault.pf_ec, 0);
	cr_assert_eq(w.res.fault.dim, 0);
	cr_assert_eq(w.res.nreads, 15);
}

Test(walk2d, P8_4_guest_permission_before_final_nested)
{
	msim_paging_regs r;
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	pte = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 1, WT_PRU);
	wt_w64(&w.g, pte, GDATA | WT_P | WT_US);
	cr_assert_eq(walk(&r, 0x40000000ULL, MSIM_WACC_USER | MSIM_WACC_WRITE)
			     ->fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(w.res.fault.pf_ec, 0x07);
	cr_assert_eq(w.res.nreads, 20); /* no final nested walk */
}

Test(walk2d, P8_4_nested_fault_on_table_before_guest_entry)
{
	msim_paging_regs r;
	uint64_t pde, pd_page;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	pde = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 2, WT_PRU);
	pd_page = pde & ~0xfffULL;
	wt_w64(&w.g, pde, 0); /* guest PDE not present ... */
	/* ... but its page is not even mapped in EPT: violation first */
	wt_w64(&w.h, wt_slot(&w.h, w.nroot, 4, pd_page, 1, 7), 0);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind,
		     MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(w.res.fault.exit_qual & MSIM_EPTQ_PADDR, 0);
	cr_assert_eq(w.res.fault.gpa, pde);
	cr_assert_eq(w.res.nreads, 14);
}

Test(walk2d, P8_4_final_violation_sets_bit8)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind,
		     MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(w.res.fault.exit_qual, 0x181);
	cr_assert_eq(w.res.fault.gpa, GDATA);
	/* the final nested walk stops at the empty EPT PDE (SDM Vol. 3A 4.7) */
	cr_assert_eq(w.res.nreads, 20 + 3);
	cr_assert_eq(w.res.fault.level, 2);
}

Test(walk2d, P8_4_guest_ad_order_knob)
{
	msim_paging_regs r;
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	opts.no_ad = false;
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	pte = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 1, WT_PRU);
	/* default (KVM): final nested walk, then the 4 guest A writes */
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.nrefs, 28);
	for (unsigned i = 20; i < 24; i++)
		cr_assert_eq(w.res.refs[i].dim, 1);
	for (unsigned i = 24; i < 28; i++) {
		cr_assert_eq(w.res.refs[i].kind, MSIM_REF_AD_WRITE);
		cr_assert_eq(w.res.refs[i].dim, 0);
		cr_assert_eq(w.res.refs[i].level, 4 - (i - 24));
	}
	cr_assert_eq(w.res.refs[27].addr, pte + W2_HOFF);
	cr_assert(wt_r64(&w.g, pte) & WT_A);
	/* Bochs order: D write before the final nested walk */
	opts.ad_order = MSIM_AD_BEFORE_FINAL;
	cr_assert_eq(walk(&r, 0x40000000ULL, MSIM_WACC_WRITE)->nrefs, 25);
	cr_assert_eq(w.res.refs[20].kind, MSIM_REF_AD_WRITE);
	cr_assert_eq(w.res.refs[21].dim, 1);
	cr_assert(wt_r64(&w.g, pte) & WT_D);
}

Test(walk2d, P8_4_final_fault_leaves_guest_ad_default)
{
	msim_paging_regs r;
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	opts.no_ad = false;
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1); /* data not mapped */
	pte = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 1, WT_PRU);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind,
		     MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(wt_r64(&w.g, pte) & WT_A, 0);
	opts.ad_order = MSIM_AD_BEFORE_FINAL;
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind,
		     MSIM_FAULT_EPT_VIOLATION);
	cr_assert(wt_r64(&w.g, pte) & WT_A);
}

/* ---- SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 caches: hooks and combined PSC start */

static unsigned ntlb_calls;

static bool ntlb_all(void *ctx, uint64_t gpa, msim_nested_xlat *out)
{
	(void)ctx;
	ntlb_calls++;
	memset(out, 0, sizeof(*out));
	out->hpa = gpa + W2_HOFF;
	out->page_size = 4096;
	out->rights.nested = 1;
	out->rights.ept = 7;
	return true;
}

static bool npsc_pt(void *ctx, uint64_t gpa, msim_walk_start *st)
{
	struct w2 *x = ctx;

	memset(st, 0, sizeof(*st));
	st->level = 1;
	st->table = wt_slot(&x->h, x->nroot, 4, gpa, 1, 7) & ~0xfffULL;
	st->rights.nested = 1;
	st->rights.ept = 7;
	return true;
}

Test(walk2d, P8_7_ntlb_hook_skips_nested_walks)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	w.n.hooks.ntlb_lookup = ntlb_all;
	ntlb_calls = 0;
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 4);
	cr_assert_eq(ntlb_calls, 5);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
	/* reference mode never uses caches */
	opts.reference = true;
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 24);
}

static bool ntlb_ro(void *ctx, uint64_t gpa, msim_nested_xlat *out)
{
	bool hit = ntlb_all(ctx, gpa, out);

	out->rights.ept = 1; /* cached as read-only */
	return hit;
}

Test(walk2d, P8_7_ntlb_denied_hit_rewalks_for_exact_fault)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, MSIM_EPT_R);
	w.n.hooks.ntlb_lookup = ntlb_ro;
	/* guest-PT reads hit (reads allowed); the final write is denied by
	 * the cached rights and re-walked: 4 guest reads + 4 EPT reads */
	cr_assert_eq(walk(&r, 0x40000000ULL, MSIM_WACC_WRITE)->fault.kind,
		     MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(w.res.fault.exit_qual, 0x18A);
	cr_assert_eq(w.res.nreads, 8);
	/* a read is served entirely from the hook */
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 4);
	cr_assert_eq(w.res.fault.kind, MSIM_FAULT_NONE);
}

Test(walk2d, P8_7_nested_psc_hook_and_combined_start)
{
	msim_paging_regs r;
	msim_walk_start st = { 0 };
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	w.n.hooks.ctx = &w;
	w.n.hooks.npsc_lookup = npsc_pt;
	/* every nested walk starts at the EPT PT: 4*(1+1) + 1 */
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 9);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
	w.n.hooks.npsc_lookup = NULL;
	/* combined PSC: guest walk starts at the PT, whose hpa is known */
	pte = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 1, WT_PRU);
	st.level = 1;
	st.table = pte & ~0xfffULL;
	st.table_hpa = st.table + W2_HOFF;
	st.table_hpa_valid = true;
	st.rights.rw = st.rights.us = 1;
	opts.start = &st;
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 5);
	cr_assert_eq(w.res.refs[0].dim, 0);
	cr_assert_eq(w.res.refs[0].addr, pte + W2_HOFF);
	/* without the hpa the PT's nested walk is still needed */
	st.table_hpa_valid = false;
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->nreads, 9);
}

Test(walk2d, guest_by_hpa_single_host_memory)
{
	msim_paging_regs r;
	uint64_t pte;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	/* copy the guest tables into host memory at their hpas */
	for (uint64_t a = 0x100000; a < 0x240000; a += 8) {
		uint64_t v = wt_r64(&w.g, a);

		if (v)
			wt_w64(&w.h, a + W2_HOFF, v);
	}
	wt_w64(&w.g, w.groot, 0); /* guest-memory copy now useless */
	w.n.guest_by_hpa = true;
	opts.no_ad = false;
	cr_assert_eq(walk(&r, 0x40000000ULL, MSIM_WACC_WRITE)->fault.kind,
		     MSIM_FAULT_NONE);
	pte = wt_slot(&w.g, w.groot, 4, 0x40000000ULL, 1, WT_PRU);
	(void)pte;
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
	cr_assert(wt_r64(&w.h, w.res.leaf_gpa + W2_HOFF) & WT_D);
}

Test(walk2d, P8_1_npt_5_on_5_35_refs)
{
	msim_paging_regs r;

	init_with(MSIM_NESTED_NPT, 5);
	r = wt_regs_lm(w.groot, true);
	guest64(5, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, WT_PRU);
	cr_assert_eq(walk(&r, 0x40000000ULL, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.nreads, 35);
	check_order(&w.res, 5, 5, 5);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
}

Test(walk2d, reference_mode_equals_uncached_walk)
{
	msim_paging_regs r;
	msim_walk_result a;

	init_with(MSIM_NESTED_EPT, 4);
	r = wt_regs_lm(w.groot, false);
	guest64(4, 0x40000000ULL, 1);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	opts.reference = true;
	walk(&r, 0x40000000ULL, MSIM_WACC_WRITE);
	a = w.res;
	opts.reference = false;
	walk(&r, 0x40000000ULL, MSIM_WACC_WRITE);
	cr_assert_eq(a.nrefs, w.res.nrefs);
	cr_assert_eq(a.pa, w.res.pa);
	for (unsigned i = 0; i < a.nrefs; i++)
		cr_assert_eq(a.refs[i].addr, w.res.refs[i].addr);
}
