/*
 * EPT and NPT: EPTP checks (SDM Vol. 3C 24.6.11), misconfiguration vs violation (SDM Vol. 3C 28.2.2, Tables 28-1..28-6-
 * SDM Vol. 3C 28.2.2, Tables 28-1..28-6), exit qualifications (SDM Vol. 3C 27.2.1, Table 27-7 worked values), EPT A/D (SDM Vol. 3C 28.2.4/
 * SDM Vol. 3C 28.2.2, Tables 28-1..28-6), MBEC, and #NPF EXITINFO1/2 (AMD APM Vol. 2 15.25; AMD APM Vol. 2 15.25.6 worked values).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "walk_fixture.h"

#define GLA 0x0000000040000000ULL /* PML4 index 0, PDPT index 1 */
#define GDATA 0x5000000ULL

static struct w2 w;

static void ept_setup(void)
{
	w2_init(&w, MSIM_NESTED_EPT, 4);
}

static void npt_setup(void)
{
	w2_init(&w, MSIM_NESTED_NPT, 4);
}

static void fini(void)
{
	w2_fini(&w);
}

TestSuite(ept, .init = ept_setup, .fini = fini);
TestSuite(npt, .init = npt_setup, .fini = fini);

/* ---- SDM Vol. 3C 24.6.11 EPTP */

Test(ept, P7_1_eptp_validity)
{
	msim_cpu_features *c = &w.cpu;
	uint64_t base = 0x1234000ULL;

	c->ept_5level = false;
	cr_assert(msim_eptp_valid(c, base | 6 | (3 << 3)));
	cr_assert(msim_eptp_valid(c, base | 0 | (3 << 3)));
	cr_assert(!msim_eptp_valid(c, base | 1 | (3 << 3)));  /* WC */
	cr_assert(!msim_eptp_valid(c, base | 6 | (4 << 3)));  /* 5-level, no cap */
	cr_assert(!msim_eptp_valid(c, base | 6 | (2 << 3)));  /* 3-level */
	c->ept_5level = true;
	cr_assert(msim_eptp_valid(c, base | 6 | (4 << 3)));
	cr_assert(msim_eptp_valid(c, base | 6 | (3 << 3) | MSIM_EPTP_AD));
	c->ept_ad = false;
	cr_assert(!msim_eptp_valid(c, base | 6 | (3 << 3) | MSIM_EPTP_AD));
	cr_assert(!msim_eptp_valid(c, base | 6 | (3 << 3) | MSIM_EPTP_SSS));
	cr_assert(!msim_eptp_valid(c, base | 6 | (3 << 3) | (1 << 8)));
	cr_assert(!msim_eptp_valid(c, base | 6 | (3 << 3) | (1ULL << 46)));
	cr_assert(msim_eptp_valid(c, base | 6 | (3 << 3) | (1ULL << 45)));
	c->ept_uc = false;
	cr_assert(!msim_eptp_valid(c, base | 0 | (3 << 3)));
	cr_assert_eq(msim_eptp_levels(5 << 3), 0);
	cr_assert_eq(msim_eptp_levels(4 << 3), 5);
}

/* ---- standalone nested walks */

static msim_walk_result *nwalk(uint64_t gpa, unsigned acc)
{
	cr_assert_eq(msim_nested_walk(&w.n, &w.cpu, gpa, acc, 0x1000, NULL, &w.res), 0);
	return &w.res;
}

Test(ept, P7_3_translation_and_refs)
{
	msim_walk_result *r;

	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	r = nwalk(GDATA | 0x123, 0);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r->pa, GDATA + W2_HOFF + 0x123);
	cr_assert_eq(r->page_size, 4096);
	cr_assert_eq(r->nreads, 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(r->refs[i].dim, 1);
		cr_assert_eq(r->refs[i].level, 4 - i);
	}
	cr_assert_eq(r->refs[0].addr, w.nroot + ((GDATA >> 39) & 511) * 8);
	cr_assert_eq(r->rights.nested, 1);
	cr_assert_eq(r->rights.ept, 7);
	/* 2-MB and 1-GB EPT pages shorten the walk */
	w2_nmap(&w, 0x40000000ULL, 2, W2_EPT_RWX);
	r = nwalk(0x40000000ULL + 0x1234, 0);
	cr_assert_eq(r->nreads, 3);
	cr_assert_eq(r->pa, 0x40000000ULL + W2_HOFF + 0x1234);
	w2_nmap(&w, 0x80000000ULL, 3, W2_EPT_RWX);
	r = nwalk(0x80000000ULL + 0x201234, 0);
	cr_assert_eq(r->nreads, 2);
	cr_assert_eq(r->page_size, 1ULL << 30);
}

Test(ept, P7_3_five_level)
{
	struct w2 w5;
	msim_walk_result *r = &w5.res;

	w2_init(&w5, MSIM_NESTED_EPT, 5);
	w2_nmap(&w5, 0x100000000000ULL, 1, W2_EPT_RWX);
	cr_assert_eq(msim_nested_walk(&w5.n, &w5.cpu, 0x100000000000ULL, 0, 0, NULL, r), 0);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r->nreads, 5);
	cr_assert_eq(r->pa, 0x100000000000ULL + W2_HOFF);
	w2_fini(&w5);
}

/* Set/clear bits in the EPT entry at `level` for GDATA. */
static uint64_t eslot(unsigned level)
{
	return wt_slot(&w.h, w.nroot, 4, GDATA, level, W2_EPT_RWX);
}

static void eset(unsigned level, uint64_t v)
{
	wt_w64(&w.h, eslot(level), v);
}

static uint64_t eget(unsigned level)
{
	return wt_r64(&w.h, eslot(level));
}

static void expect_misconfig(unsigned level)
{
	msim_walk_result *r = nwalk(GDATA, 0);

	cr_assert_eq(r->fault.kind, MSIM_FAULT_EPT_MISCONFIG,
		     "kind %d at level %u", r->fault.kind, level);
	cr_assert_eq(r->fault.gpa, GDATA);
	cr_assert_eq(r->fault.level, level);
	cr_assert_eq(r->fault.exit_qual, 0);
}

static void expect_violation(uint64_t qual, unsigned level)
{
	msim_walk_result *r = nwalk(GDATA, 0);

	cr_assert_eq(r->fault.kind, MSIM_FAULT_EPT_VIOLATION, "kind %d",
		     r->fault.kind);
	cr_assert_eq(r->fault.exit_qual, qual, "qual 0x%llx",
		     (unsigned long long)r->fault.exit_qual);
	cr_assert_eq(r->fault.level, level);
}

Test(ept, P7_6_P7_7_reserved_bit_present_vs_not_present_each_level)
{
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	for (unsigned level = 4; level >= 1; level--) {
		uint64_t orig = eget(level);

		/* bit 51 is reserved for M=46 at every level */
		eset(level, orig | (1ULL << 51));
		expect_misconfig(level);
		/* same entry with R/W/X cleared: violation, not misconfig.
		 * qual = RD | LADDR_VLD | PADDR, no permission bits */
		eset(level, (orig | (1ULL << 51)) & ~7ULL);
		expect_violation(0x181, level);
		eset(level, orig);
	}
	cr_assert_eq(nwalk(GDATA, 0)->fault.kind, MSIM_FAULT_NONE);
}

Test(ept, P7_6_xwr_combinations)
{
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	eset(1, (GDATA + W2_HOFF) | W2_EPT_WB | 2); /* -w- */
	expect_misconfig(1);
	eset(1, (GDATA + W2_HOFF) | W2_EPT_WB | 6); /* -wx */
	expect_misconfig(1);
	eset(2, (eget(2) & ~7ULL) | 2);           /* non-leaf -w- too */
	expect_misconfig(2);
	eset(2, (eget(2) & ~7ULL) | 7);
	eset(1, (GDATA + W2_HOFF) | W2_EPT_WB | 4); /* --x with the capability */
	expect_violation(0x1A1, 1);
	w.cpu.ept_exec_only = false;
	expect_misconfig(1);
}

Test(ept, P7_6_reserved_fields_by_level)
{
	uint64_t e4, e3, e2;

	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	e4 = eget(4);
	e3 = eget(3);
	e2 = eget(2);
	eset(4, e4 | MSIM_EPT_PS); /* bits 7:3 of a PML4E */
	expect_misconfig(4);
	eset(4, e4 | (1ULL << 3));
	expect_misconfig(4);
	eset(4, e4);
	eset(3, e3 | (1ULL << 6)); /* bits 6:3 of a non-leaf PDPTE */
	expect_misconfig(3);
	eset(3, e3);
	eset(2, e2 | (5ULL << 3));
	expect_misconfig(2);
	eset(2, e2);
	/* leaf memory types 2, 3, 7 */
	for (uint64_t mt = 0; mt < 8; mt++) {
		eset(1, (GDATA + W2_HOFF) | (mt << 3) | 7);
		if (mt == 2 || mt == 3 || mt == 7)
			expect_misconfig(1);
		else
			cr_assert_eq(nwalk(GDATA, 0)->fault.kind, MSIM_FAULT_NONE,
				     "memtype %llu", (unsigned long long)mt);
	}
	/* ignored bits: 8, 9, 10 (no MBEC), 11, 52-63 (SDM Vol. 3C 28.2.2, Tables 28-1..28-6 note) */
	eset(1, (GDATA + W2_HOFF) | W2_EPT_WB | 7 | MSIM_GENMASK(11, 8) |
		MSIM_GENMASK(63, 52));
	cr_assert_eq(nwalk(GDATA, 0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
}

Test(ept, P7_6_large_page_reserved_and_unsupported)
{
	uint64_t g2 = 0x40000000ULL, g1 = 0x80000000ULL;
	uint64_t l2 = w2_nmap(&w, g2, 2, W2_EPT_RWX);
	uint64_t l1 = w2_nmap(&w, g1, 3, W2_EPT_RWX);
	msim_walk_result *r;

	wt_w64(&w.h, l2, wt_r64(&w.h, l2) | (1ULL << 12));
	r = nwalk(g2, 0);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_EPT_MISCONFIG);
	wt_w64(&w.h, l2, wt_r64(&w.h, l2) & ~(1ULL << 12));
	wt_w64(&w.h, l1, wt_r64(&w.h, l1) | (1ULL << 29));
	cr_assert_eq(nwalk(g1, 0)->fault.kind, MSIM_FAULT_EPT_MISCONFIG);
	wt_w64(&w.h, l1, wt_r64(&w.h, l1) & ~(1ULL << 29));
	cr_assert_eq(nwalk(g1, 0)->fault.kind, MSIM_FAULT_NONE);
	w.cpu.ept_1g = false;
	cr_assert_eq(nwalk(g1, 0)->fault.kind, MSIM_FAULT_EPT_MISCONFIG);
	w.cpu.ept_2m = false;
	cr_assert_eq(nwalk(g2, 0)->fault.kind, MSIM_FAULT_EPT_MISCONFIG);
}

Test(ept, P7_8_final_access_qualifications)
{
	uint64_t leaf = w2_nmap(&w, GDATA, 1, MSIM_EPT_R);
	msim_walk_result *r;

	/* SDM Vol. 3C 27.2.1, Table 27-7 worked values (advanced bits 9-11 off) */
	r = nwalk(GDATA, MSIM_WACC_WRITE);
	cr_assert_eq(r->fault.exit_qual, 0x18A);
	cr_assert_eq(r->fault.gpa, GDATA);
	cr_assert_eq(r->fault.gla, 0x1000);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_FETCH)->fault.exit_qual, 0x18C);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 3);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_FETCH)->fault.exit_qual, 0x19C);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_WRITE)->fault.kind, MSIM_FAULT_NONE);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 4);
	cr_assert_eq(nwalk(GDATA, 0)->fault.exit_qual, 0x1A1);
	wt_w64(&w.h, leaf, 0);
	cr_assert_eq(nwalk(GDATA, 0)->fault.exit_qual, 0x181);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_WRITE)->fault.exit_qual, 0x182);
	/* no linear address (PDPTE load): bits 7 and 8 clear */
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_NO_GLA)->fault.exit_qual, 0x1);
	cr_assert_eq(w.res.fault.gla, 0);
}

Test(ept, P7_12_advanced_info_bits)
{
	msim_rights la = { .rw = 1, .us = 1, .xd = 1 };

	w2_nmap(&w, GDATA, 1, MSIM_EPT_R);
	w.cpu.ept_adv_info = true;
	cr_assert_eq(msim_nested_walk(&w.n, &w.cpu, GDATA, MSIM_WACC_WRITE, 0x1000,
				      &la, &w.res), 0);
	cr_assert_eq(w.res.fault.exit_qual, 0x18A | (1 << 9) | (1 << 10) | (1 << 11));
}

Test(ept, P7_5_mbec_user_execute)
{
	msim_rights user_la = { .rw = 1, .us = 1 }, sup_la = { .rw = 1, .us = 0 };
	uint64_t leaf = w2_nmap(&w, GDATA, 1, 0);

	/* bit 10 only: not present without MBEC */
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | MSIM_EPT_XU);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_FETCH)->fault.exit_qual, 0x184);
	w.n.mbec = true;
	/* upper levels without bit 10: the AND over the walk denies */
	cr_assert_eq(msim_nested_walk(&w.n, &w.cpu, GDATA, MSIM_WACC_FETCH, 0x1000,
				      &user_la, &w.res), 0);
	cr_assert_eq(w.res.fault.exit_qual, 0x184);
	for (unsigned l = 4; l >= 2; l--)
		eset(l, eget(l) | MSIM_EPT_XU);
	cr_assert_eq(msim_nested_walk(&w.n, &w.cpu, GDATA, MSIM_WACC_FETCH, 0x1000,
				      &user_la, &w.res), 0);
	cr_assert_eq(w.res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(msim_nested_walk(&w.n, &w.cpu, GDATA, MSIM_WACC_FETCH, 0x1000,
				      &sup_la, &w.res), 0);
	/* FETCH | PERM_UX | LADDR | PADDR */
	cr_assert_eq(w.res.fault.exit_qual, 0x1C4);
}

Test(ept, P7_10_ad_flags_on_success)
{
	msim_walk_result *r;

	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
	w.n.eptp |= MSIM_EPTP_AD;
	r = nwalk(GDATA, 0);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_NONE);
	for (unsigned l = 4; l >= 1; l--) {
		cr_assert(eget(l) & MSIM_EPT_A, "level %u", l);
		cr_assert_eq(eget(l) & MSIM_EPT_D, 0);
	}
	cr_assert_eq(r->nad_writes, 4);
	r = nwalk(GDATA, MSIM_WACC_WRITE);
	cr_assert(eget(1) & MSIM_EPT_D);
	cr_assert_eq(eget(2) & MSIM_EPT_D, 0);
	cr_assert_eq(r->nad_writes, 1);
	/* A/D off: nothing written */
	w.n.eptp &= ~MSIM_EPTP_AD;
	eset(1, (GDATA + W2_HOFF) | W2_EPT_WB | 7);
	r = nwalk(GDATA, MSIM_WACC_WRITE);
	cr_assert_eq(r->nad_writes, 0);
	cr_assert_eq(eget(1), (GDATA + W2_HOFF) | W2_EPT_WB | 7);
}

Test(ept, P8_5_nested_rights_ok)
{
	msim_rights r = { .nested = 1, .ept = 1 };

	cr_assert(msim_nested_rights_ok(&r, 0, false));
	cr_assert(!msim_nested_rights_ok(&r, MSIM_WACC_WRITE, false));
	cr_assert(!msim_nested_rights_ok(&r, MSIM_WACC_FETCH, false));
	r.ept = 8 | 1;
	r.us = 1;
	cr_assert(msim_nested_rights_ok(&r, MSIM_WACC_FETCH, true));
	r.us = 0;
	cr_assert(!msim_nested_rights_ok(&r, MSIM_WACC_FETCH, true));
	r.nested = 2;
	r.npt_us = 1;
	r.npt_rw = 0;
	cr_assert(msim_nested_rights_ok(&r, 0, false));
	cr_assert(!msim_nested_rights_ok(&r, MSIM_WACC_WRITE, false));
	r.npt_xd = 1;
	cr_assert(!msim_nested_rights_ok(&r, MSIM_WACC_FETCH, false));
}

/* ---- 2D walks: SDM Vol. 3C 27.2.1, Table 27-7 worked values through guest paging structures */

static uint64_t gpte; /* gpa of the guest PTE for GLA */

static void guest_map(uint64_t pte_flags, uint64_t upper)
{
	gpte = wt_map(&w.g, w.groot, 4, GLA, GDATA, 1, pte_flags, upper);
	w2_nmap_range(&w, 0x100000, 0x300000);
	w2_nmap(&w, GDATA, 1, W2_EPT_RWX);
}

static msim_walk_result *walk2d(unsigned acc)
{
	msim_paging_regs r = wt_regs_lm(w.groot, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;

	o.nested = &w.n;
	cr_assert_eq(msim_walk(w.g.mem, &w.cpu, &r, &o, GLA, acc, &w.res), 0);
	return &w.res;
}

static uint64_t pt_page_leaf(void)
{
	return wt_slot(&w.h, w.nroot, 4, gpte & ~0xfffULL, 1, W2_EPT_RWX);
}

Test(ept, P7_13_guest_pt_page_not_present_ad_off)
{
	msim_walk_result *r;

	guest_map(WT_PRU, WT_PRU);
	wt_w64(&w.h, pt_page_leaf(), 0);
	r = walk2d(0);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(r->fault.exit_qual, 0x81);
	cr_assert_eq(r->fault.gpa, gpte);
	cr_assert_eq(r->fault.gla, GLA);
	cr_assert_eq(r->fault.dim, 1);
}

Test(ept, P7_13_guest_pt_page_not_present_ad_on)
{
	guest_map(WT_PRU, WT_PRU);
	w.n.eptp |= MSIM_EPTP_AD;
	wt_w64(&w.h, pt_page_leaf(), 0);
	cr_assert_eq(walk2d(0)->fault.exit_qual, 0x83);
}

Test(ept, P7_13_guest_pt_page_read_only_a_update)
{
	uint64_t leaf;

	guest_map(WT_PRU, WT_PRU | WT_A);
	leaf = pt_page_leaf();
	wt_w64(&w.h, leaf, ((gpte & ~0xfffULL) + W2_HOFF) | W2_EPT_WB | MSIM_EPT_R);
	/* guest PTE A clear: the A update is an RMW of a read-only page */
	cr_assert_eq(walk2d(0)->fault.kind, MSIM_FAULT_EPT_VIOLATION);
	cr_assert_eq(w.res.fault.exit_qual, 0x8B);
	cr_assert_eq(w.res.fault.gpa, gpte);
	cr_assert_eq(wt_r64(&w.g, gpte) & WT_A, 0);
	/* A and D already set: reads, fetches and writes all pass */
	wt_w64(&w.g, gpte, wt_r64(&w.g, gpte) | WT_A | WT_D);
	cr_assert_eq(walk2d(0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(walk2d(MSIM_WACC_WRITE)->fault.kind, MSIM_FAULT_NONE);
	/* A set, D clear: reads pass, a write violates on the D update */
	wt_w64(&w.g, gpte, wt_r64(&w.g, gpte) & ~WT_D);
	cr_assert_eq(walk2d(0)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(walk2d(MSIM_WACC_WRITE)->fault.exit_qual, 0x8B);
}

Test(ept, P7_13_final_page_qualifications_2d)
{
	uint64_t leaf;

	guest_map(WT_PRU | WT_A | WT_D, WT_PRU | WT_A);
	leaf = wt_slot(&w.h, w.nroot, 4, GDATA, 1, W2_EPT_RWX);
	wt_w64(&w.h, leaf, 0);
	cr_assert_eq(walk2d(MSIM_WACC_WRITE)->fault.exit_qual, 0x182);
	cr_assert_eq(w.res.fault.gpa, GDATA);
	cr_assert_eq(walk2d(0)->fault.exit_qual, 0x181);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | MSIM_EPT_R);
	cr_assert_eq(walk2d(MSIM_WACC_WRITE)->fault.exit_qual, 0x18A);
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.exit_qual, 0x18C);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 3);
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.exit_qual, 0x19C);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 4);
	cr_assert_eq(walk2d(0)->fault.exit_qual, 0x1A1);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 7);
	cr_assert_eq(walk2d(MSIM_WACC_WRITE)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.pa, GDATA + W2_HOFF);
	cr_assert_eq(w.res.gpa, GDATA);
}

Test(ept, P8_6_P7_9_ept_dirty_on_guest_pt_pages)
{
	guest_map(WT_PRU, WT_PRU);
	w.n.eptp |= MSIM_EPTP_AD;
	cr_assert_eq(walk2d(0)->fault.kind, MSIM_FAULT_NONE);
	/* guest PT page: A at all EPT levels, D in the EPT leaf */
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e = wt_r64(&w.h, wt_slot(&w.h, w.nroot, 4, gpte & ~0xfffULL,
						  l, W2_EPT_RWX));
		cr_assert(e & MSIM_EPT_A, "level %u", l);
		if (l == 1)
			cr_assert(e & MSIM_EPT_D);
	}
	/* data page read: A but no D */
	cr_assert(wt_r64(&w.h, wt_slot(&w.h, w.nroot, 4, GDATA, 1, 7)) & MSIM_EPT_A);
	cr_assert_eq(wt_r64(&w.h, wt_slot(&w.h, w.nroot, 4, GDATA, 1, 7)) & MSIM_EPT_D, 0);
	/* guest PT page mapped read-only with A/D on: even reads violate */
	wt_w64(&w.h, pt_page_leaf(), ((gpte & ~0xfffULL) + W2_HOFF) | W2_EPT_WB | 1);
	cr_assert_eq(walk2d(0)->fault.exit_qual, 0x8B);
}

/* ---- NPT (AMD APM Vol. 2 15.25; AMD APM Vol. 2 15.25.6) */

static void npt_guest_map(void)
{
	gpte = wt_map(&w.g, w.groot, 4, GLA, GDATA, 1, WT_PRU, WT_PRU);
	w2_nmap_range(&w, 0x100000, 0x300000);
	w2_nmap(&w, GDATA, 1, WT_PRU);
}

static uint64_t npt_leaf(uint64_t gpa, unsigned level)
{
	return wt_slot(&w.h, w.nroot, 4, gpa, level, WT_PRU);
}

static msim_walk_result *npf(unsigned acc, uint64_t info1, uint64_t info2)
{
	msim_walk_result *r = walk2d(acc);

	cr_assert_eq(r->fault.kind, MSIM_FAULT_NPF, "kind %d", r->fault.kind);
	cr_assert_eq(r->fault.exitinfo1, info1, "exitinfo1 0x%llx",
		     (unsigned long long)r->fault.exitinfo1);
	cr_assert_eq(r->fault.exitinfo2, info2);
	return r;
}

Test(npt, P7_15_translation_is_user_access)
{
	msim_walk_result *r;

	npt_guest_map();
	r = walk2d(MSIM_WACC_WRITE);
	cr_assert_eq(r->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(r->pa, GDATA + W2_HOFF);
	cr_assert_eq(r->rights.nested, 2);
	/* AMD APM Vol. 2 15.25.6 worked values */
	wt_w64(&w.h, npt_leaf(GDATA, 1), 0);
	npf(0, 0x100000004ULL, GDATA);
	wt_w64(&w.h, npt_leaf(GDATA, 1), (GDATA + W2_HOFF) | WT_P | WT_RW);
	npf(0, 0x100000005ULL, GDATA);
	wt_w64(&w.h, npt_leaf(GDATA, 1), (GDATA + W2_HOFF) | WT_P | WT_US);
	npf(MSIM_WACC_WRITE, 0x100000007ULL, GDATA);
	wt_w64(&w.h, npt_leaf(GDATA, 1), (GDATA + W2_HOFF) | WT_PRU | WT_XD);
	npf(MSIM_WACC_FETCH, 0x100000015ULL, GDATA);
	/* guest's own rights don't matter to the nested walk: supervisor
	 * guest access, still a user nested access */
	cr_assert_eq(w.res.fault.dim, 1);
}

Test(npt, P7_16_guest_pt_access_is_user_write)
{
	uint64_t l;

	npt_guest_map();
	/* NPT R/W=0 on the page holding guest CR3 (PML4 index of GLA is 0) */
	l = npt_leaf(w.groot, 1);
	wt_w64(&w.h, l, wt_r64(&w.h, l) & ~WT_RW);
	npf(0, 0x200000007ULL, w.groot);
}

Test(npt, P7_17_reserved_bits)
{
	uint64_t pml4e = w.nroot, pde;

	npt_guest_map();
	/* reserved bit in the NPT PML4E, hit first by a guest PT access */
	wt_w64(&w.h, pml4e, wt_r64(&w.h, pml4e) | (1ULL << 51));
	npf(0, 0x20000000FULL, w.groot);
	wt_w64(&w.h, pml4e, wt_r64(&w.h, pml4e) & ~(1ULL << 51));
	/* reserved bit in a lower NPT entry used only by the final fetch */
	pde = npt_leaf(GDATA, 2);
	cr_assert_neq(pde, npt_leaf(w.groot, 2));
	wt_w64(&w.h, pde, wt_r64(&w.h, pde) | (1ULL << 51));
	npf(MSIM_WACC_FETCH, 0x10000001DULL, GDATA);
	w.n.host_efer &= ~MSIM_EFER_NXE;
	npf(MSIM_WACC_FETCH, 0x10000000DULL, GDATA);
	w.n.host_cr4 |= MSIM_CR4_SMEP;
	npf(MSIM_WACC_FETCH, 0x10000001DULL, GDATA);
}

Test(npt, P7_14_guest_nxe_does_not_change_npt)
{
	msim_paging_regs r = wt_regs_lm(w.groot, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;

	npt_guest_map();
	wt_w64(&w.h, npt_leaf(GDATA, 1), (GDATA + W2_HOFF) | WT_PRU | WT_XD);
	r.efer &= ~MSIM_EFER_NXE; /* guest NXE off; host NXE on */
	o.nested = &w.n;
	cr_assert_eq(msim_walk(w.g.mem, &w.cpu, &r, &o, GLA, MSIM_WACC_FETCH, &w.res), 0);
	cr_assert_eq(w.res.fault.kind, MSIM_FAULT_NPF);
	cr_assert_eq(w.res.fault.exitinfo1, 0x100000015ULL);
}

Test(npt, P8_6_npt_ad_on_guest_pt_pages)
{
	uint64_t l;

	npt_guest_map();
	cr_assert_eq(walk2d(0)->fault.kind, MSIM_FAULT_NONE);
	/* guest PT accesses are user writes: the NPT leaf gets A and D */
	l = wt_r64(&w.h, npt_leaf(gpte & ~0xfffULL, 1));
	cr_assert_eq(l & (WT_A | WT_D), WT_A | WT_D);
	/* the data page was only read */
	l = wt_r64(&w.h, npt_leaf(GDATA, 1));
	cr_assert_eq(l & (WT_A | WT_D), WT_A);
}

Test(ept, P7_8_mbec_uses_guest_us_all_in_2d)
{
	uint64_t leaf;

	guest_map(WT_PRU | WT_A | WT_D, WT_PRU | WT_A);
	w.n.mbec = true;
	/* every EPT level grants X and XU, the data leaf only X */
	for (uint64_t a = 0x100000; a < 0x300000; a += 4096)
		for (unsigned l = 4; l >= 1; l--) {
			uint64_t s = wt_slot(&w.h, w.nroot, 4, a, l, 7);

			wt_w64(&w.h, s, wt_r64(&w.h, s) | MSIM_EPT_XU);
		}
	for (unsigned l = 4; l >= 2; l--) {
		uint64_t s = wt_slot(&w.h, w.nroot, 4, GDATA, l, 7);

		wt_w64(&w.h, s, wt_r64(&w.h, s) | MSIM_EPT_XU);
	}
	leaf = wt_slot(&w.h, w.nroot, 4, GDATA, 1, 7);
	wt_w64(&w.h, leaf, (GDATA + W2_HOFF) | W2_EPT_WB | 7);
	/* user page (us_all=1): fetch needs XU -> violation even at CPL0 */
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.kind, MSIM_FAULT_EPT_VIOLATION);
	/* FETCH | R | W | X perms | LADDR | PADDR, no UX */
	cr_assert_eq(w.res.fault.exit_qual, 0x1BC);
	/* supervisor page: X suffices */
	wt_w64(&w.g, gpte, wt_r64(&w.g, gpte) & ~WT_US);
	cr_assert_eq(walk2d(MSIM_WACC_FETCH)->fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(w.res.rights.ept, 7);
}

Test(ept, P7_13_rmw_read_bit_knob)
{
	w2_nmap(&w, GDATA, 1, MSIM_EPT_R);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_WRITE | MSIM_WACC_RMW)->fault.exit_qual,
		     0x18A);
	w.n.rmw_read_bit = true;
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_WRITE | MSIM_WACC_RMW)->fault.exit_qual,
		     0x18B);
	cr_assert_eq(nwalk(GDATA, MSIM_WACC_WRITE)->fault.exit_qual, 0x18A);
}

/* Like msim_walk, a MAXPHYADDR outside 32..52 is refused, not shifted by. */
Test(ept, nested_walk_rejects_bad_maxphyaddr)
{
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_nested n = MSIM_NESTED_INIT;
	msim_walk_result r;
	msim_gmem *mem;

	cr_assert_eq(msim_gmem_create(&mem, NULL), 0);
	n.mem = mem;
	n.eptp = 0x1000 | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
	cpu.maxphyaddr = 0;
	cr_assert_eq(msim_nested_walk(&n, &cpu, 0x1000, 0, 0, NULL, &r), MSIM_EINVAL);
	cpu.maxphyaddr = 31;
	cr_assert_eq(msim_nested_walk(&n, &cpu, 0x1000, 0, 0, NULL, &r), MSIM_EINVAL);
	cpu.maxphyaddr = 53;
	cr_assert_eq(msim_nested_walk(&n, &cpu, 0x1000, 0, 0, NULL, &r), MSIM_EINVAL);
	cpu.maxphyaddr = 46;
	cr_assert_eq(msim_nested_walk(&n, &cpu, 0x1000, 0, 0, NULL, &r), 0);
	msim_gmem_free(mem);
}
