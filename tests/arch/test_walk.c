/*
 * Native walker: worked #PF codes (SDM Vol. 3A 4.7), canonical #GP (SDM Vol. 1 3.3.7.1), reserved
 * bits (SDM Vol. 3A 4.3-4.5), reference counts (SDM Vol. 3A 4.5), A/D placement (4.8), PAE PDPTE
 * registers (SDM Vol. 3A 4.4.1), PSC start points (SDM Vol. 3A 4.10.2-4.10.3), use-time rights (SDM Vol. 3A 4.6.2).
 * Expected values come from the spec rules, never from walker output.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "walk_fixture.h"

#define ROOT 0x100000ULL
#define POOL 0x200000ULL
#define LA 0x00007f0000123000ULL
#define DATA 0x5000000ULL

static struct wt t;
static msim_cpu_features cpu;
static msim_walk_result res;

static void setup(void)
{
	msim_cpu_features c = MSIM_CPU_FEATURES_INIT;

	cpu = c;
	cpu.la57 = true;
	wt_init(&t, POOL);
}

static void teardown(void)
{
	wt_fini(&t);
}

TestSuite(walk, .init = setup, .fini = teardown);

/* 4-level mapping LA -> DATA (4K) with the given PTE and upper flags. */
static uint64_t map4(uint64_t pte_flags, uint64_t upper)
{
	return wt_map(&t, ROOT, 4, LA, DATA, 1, pte_flags, upper);
}

static uint32_t pf_code(const msim_paging_regs *r, uint64_t la, unsigned acc)
{
	cr_assert_eq(msim_walk(t.mem, &cpu, r, NULL, la, acc, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_PF, "expected #PF, got kind %d",
		     res.fault.kind);
	cr_assert_eq(res.fault.cr2, la);
	return res.fault.pf_ec;
}

#define U MSIM_WACC_USER
#define W MSIM_WACC_WRITE
#define X MSIM_WACC_FETCH

/* ---- SDM Vol. 3A 4.7 worked error codes (4-level, NXE=1, SMEP=0 unless stated) */

Test(walk, P4_6_user_read_pte_np)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(0, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U), 0x04);
}

Test(walk, P4_6_user_write_pde_np)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	wt_slot(&t, ROOT, 4, LA, 2, WT_PRU); /* PDPT created, PDE empty */
	cr_assert_eq(pf_code(&r, LA, U | W), 0x06);
	cr_assert_eq(res.fault.level, 2);
}

Test(walk, P4_6_user_fetch_pte_np)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(0, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U | X), 0x14);
}

Test(walk, P4_6_sup_read_pde_bit51)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pde = wt_slot(&t, ROOT, 4, LA, 2, WT_PRU);

	map4(WT_PRU, WT_PRU);
	wt_w64(&t, pde, wt_r64(&t, pde) | (1ULL << 51)); /* M=46 <= 51 */
	cr_assert_eq(pf_code(&r, LA, 0), 0x09);
	cr_assert_eq(res.fault.level, 2);
}

Test(walk, P4_6_user_write_pte_xd_nxe0)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	r.efer &= ~MSIM_EFER_NXE;
	map4(WT_PRU | WT_XD, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U | W), 0x0F);
}

Test(walk, P4_6_user_read_sup_page)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_P | WT_RW, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U), 0x05);
}

Test(walk, P4_6_user_write_ro_user_page)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_P | WT_US, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U | W), 0x07);
}

Test(walk, P4_6_sup_write_ro_wp1)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_P, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, W), 0x03);
}

Test(walk, P4_6_sup_fetch_user_page_smep)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	r.cr4 |= MSIM_CR4_SMEP;
	map4(WT_PRU, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, X), 0x11);
}

Test(walk, P4_6_sup_read_user_page_smap_ac0)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	r.cr4 |= MSIM_CR4_SMAP;
	map4(WT_PRU, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, 0), 0x01);
	/* SDM Vol. 3A 4.6.1: EFLAGS.AC=1 lets an explicit access through ... */
	r.rflags |= MSIM_RFLAGS_AC;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	/* ... but never an implicit one */
	cr_assert_eq(pf_code(&r, LA, MSIM_WACC_IMPLICIT), 0x01);
}

Test(walk, P4_6_user_read_pkru_ad)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	r.cr4 |= MSIM_CR4_PKE;
	r.pkru = 1u << (2 * 3); /* AD for key 3 */
	map4(WT_PRU | (3ULL << 59), WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U), 0x25);
}

Test(walk, P4_6_user_write_ro_pkru_wd)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	r.cr4 |= MSIM_CR4_PKE;
	r.pkru = 2u << (2 * 3); /* WD for key 3 */
	map4(WT_P | WT_US | (3ULL << 59), WT_PRU);
	cr_assert_eq(pf_code(&r, LA, U | W), 0x27);
}

Test(walk, P4_6_sup_fetch_xd_page)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_P | WT_RW | WT_XD, WT_PRU);
	cr_assert_eq(pf_code(&r, LA, X), 0x11);
}

/* ---- success path: address, size, rights */

Test(walk, P1_10_4level_4k_translation)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA | 0xabc, U | W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA | 0xabc);
	cr_assert_eq(res.gpa, DATA | 0xabc);
	cr_assert_eq(res.page_size, 4096);
	cr_assert_eq(res.leaf_level, 1);
	cr_assert_eq(res.rights.rw, 1);
	cr_assert_eq(res.rights.us, 1);
	cr_assert_eq(res.rights.xd, 0);
	cr_assert_eq(res.rights.dirty, 1);
}

Test(walk, P3_2_rights_accumulate_across_levels)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pdpte = wt_slot(&t, ROOT, 4, LA, 3, WT_PRU);

	map4(WT_PRU, WT_PRU);
	/* R/W=0 in the PDPTE only: the page is read-only for the user */
	wt_w64(&t, pdpte, wt_r64(&t, pdpte) & ~WT_RW);
	cr_assert_eq(pf_code(&r, LA, U | W), 0x07);
	/* XD in the PML4E only: not executable */
	wt_w64(&t, ROOT + ((LA >> 39) & 511) * 8,
	       wt_r64(&t, ROOT + ((LA >> 39) & 511) * 8) | WT_XD);
	cr_assert_eq(pf_code(&r, LA, U | X), 0x15);
}

/* ---- SDM Vol. 1 3.3.7.1 canonical addresses */

Test(walk, P1_7_noncanonical_gp_zero_refs)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t la = 0x0000800000000000ULL;

	wt_map(&t, ROOT, 4, la, DATA, 1, WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_GP);
	cr_assert_eq(res.nrefs, 0);
	cr_assert_eq(res.fault.cr2, 0);
	cr_assert_eq(res.fault.pf_ec, 0);
	/* SDM Vol. 3A 4.8: no A/D written */
	cr_assert_eq(wt_r64(&t, ROOT + ((la >> 39) & 511) * 8) & WT_A, 0);
}

Test(walk, P1_7_same_la_walks_in_5level)
{
	msim_paging_regs r = wt_regs_lm(ROOT, true);
	uint64_t la = 0x0000800000000000ULL;

	wt_map(&t, ROOT, 5, la, DATA, 1, WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.nreads, 5);
	cr_assert_eq(res.pa, DATA);
	/* 5-level: bits 63:56 must be equal */
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0x0100000000000000ULL, 0,
			       &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_GP);
	cr_assert_eq(res.nrefs, 0);
}

Test(walk, P1_6_canonical_predicate)
{
	cr_assert(msim_la_canonical(MSIM_PAGING_4, 0x00007fffffffffffULL));
	cr_assert(msim_la_canonical(MSIM_PAGING_4, 0xffff800000000000ULL));
	cr_assert(!msim_la_canonical(MSIM_PAGING_4, 0x0000800000000000ULL));
	cr_assert(!msim_la_canonical(MSIM_PAGING_4, 0xfff0800000000000ULL));
	cr_assert(msim_la_canonical(MSIM_PAGING_5, 0x00ffffffffffffffULL));
	cr_assert(msim_la_canonical(MSIM_PAGING_5, 0xff00000000000000ULL));
	cr_assert(!msim_la_canonical(MSIM_PAGING_5, 0x0100000000000000ULL));
	cr_assert(msim_la_canonical(MSIM_PAGING_PAE, 0x0100000000000000ULL));
}

Test(walk, P1_4_legacy_la_truncated_to_32_bits)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG;
	r.cr3 = ROOT;
	wt_w32(&t, wt_slot32(&t, ROOT, 0x00403000u, 1, WT_PRU), (uint32_t)DATA | WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0x1200403000ULL, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA);
}

Test(walk, P1_5_no_paging_identity)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0x12345678, MSIM_WACC_WRITE,
			       &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, 0x12345678);
	cr_assert_eq(res.nrefs, 0);
}

/* ---- SDM Vol. 3A 4.1.1 mode selection */

Test(walk, P1_1_mode_selection)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_NONE);
	r.cr4 = MSIM_CR4_PAE;
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_NONE);
	r.cr0 = MSIM_CR0_PG | MSIM_CR0_PE;
	r.cr4 = 0;
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_32);
	r.cr4 = MSIM_CR4_LA57; /* ignored without PAE/LMA */
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_32);
	r.cr4 = MSIM_CR4_PAE | MSIM_CR4_LA57;
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_PAE);
	r.efer = MSIM_EFER_LME | MSIM_EFER_LMA;
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_5);
	r.cr4 = MSIM_CR4_PAE;
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_4);
	cr_assert_str_eq(msim_paging_mode_name(MSIM_PAGING_PAE), "pae");
}

/* ---- reserved bits (SDM Vol. 3A 4.3-4.5 entry formats) */

Test(walk, P2_1c_ps_in_pml4e_reserved)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pml4e = ROOT + ((LA >> 39) & 511) * 8;

	map4(WT_PRU, WT_PRU);
	wt_w64(&t, pml4e, wt_r64(&t, pml4e) | WT_PS);
	cr_assert_eq(pf_code(&r, LA, 0), 0x09);
	cr_assert_eq(res.fault.level, 4);
	cr_assert_eq(res.nreads, 1);
}

Test(walk, P2_5_amd_bit8_nonleaf_pml4e)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pml4e = ROOT + ((LA >> 39) & 511) * 8;
	uint64_t pdpte = wt_slot(&t, ROOT, 4, LA, 3, WT_PRU);

	map4(WT_PRU, WT_PRU);
	wt_w64(&t, pml4e, wt_r64(&t, pml4e) | MSIM_PTE_G);
	wt_w64(&t, pdpte, wt_r64(&t, pdpte) | MSIM_PTE_G);
	/* Intel ignores bit 8 in both */
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cpu.vendor = MSIM_VENDOR_AMD;
	cr_assert_eq(pf_code(&r, LA, 0), 0x09);
	cr_assert_eq(res.fault.level, 4);
	/* not reserved in the PDPTE on AMD */
	wt_w64(&t, pml4e, wt_r64(&t, pml4e) & ~MSIM_PTE_G);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
}

Test(walk, P2_3_gbpages)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t la = 0x0000004000000000ULL + 0x12345678; /* 1G page offset */

	wt_map(&t, ROOT, 4, la, 0x40000000ULL, 3, WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, 0x40000000ULL + 0x12345678);
	cr_assert_eq(res.page_size, 1ULL << 30);
	cr_assert_eq(res.nreads, 2);
	cpu.gbpages = false;
	cr_assert_eq(pf_code(&r, la, 0), 0x09);
	cr_assert_eq(res.fault.level, 3);
}

Test(walk, P2_4_large_page_alignment_bits)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t la2 = 0x0000000040200000ULL, la1 = 0x0000008000000000ULL;
	uint64_t e2 = wt_map(&t, ROOT, 4, la2, 0x800000ULL, 2, WT_PRU, WT_PRU);
	uint64_t e1 = wt_map(&t, ROOT, 4, la1, 0x80000000ULL, 3, WT_PRU, WT_PRU);

	/* bit 12 is PAT: not reserved */
	wt_w64(&t, e2, wt_r64(&t, e2) | (1ULL << 12));
	wt_w64(&t, e1, wt_r64(&t, e1) | (1ULL << 12));
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la2, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pat, 4);
	cr_assert_eq(res.pa, 0x800000ULL);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la1, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	wt_w64(&t, e2, wt_r64(&t, e2) | (1ULL << 20));
	wt_w64(&t, e1, wt_r64(&t, e1) | (1ULL << 29));
	cr_assert_eq(pf_code(&r, la2, 0), 0x09);
	cr_assert_eq(pf_code(&r, la1, 0), 0x09);
}

Test(walk, P2_2_xd_reserved_without_nxe_any_level)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pml4e = ROOT + ((LA >> 39) & 511) * 8;

	r.efer &= ~MSIM_EFER_NXE;
	map4(WT_PRU, WT_PRU);
	wt_w64(&t, pml4e, wt_r64(&t, pml4e) | WT_XD);
	cr_assert_eq(pf_code(&r, LA, U), 0x0D);
	cr_assert_eq(res.fault.level, 4);
}

Test(walk, P2_1_maxphyaddr_reserved_bits)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pte = map4(WT_PRU, WT_PRU);

	wt_w64(&t, pte, wt_r64(&t, pte) | (1ULL << 45)); /* address bit, M=46 */
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA | (1ULL << 45));
	cpu.maxphyaddr = 40;
	cr_assert_eq(pf_code(&r, LA, 0), 0x09);
	cr_assert_eq(res.fault.level, 1);
	/* 58:52 ignored in long mode */
	cpu.maxphyaddr = 46;
	wt_w64(&t, pte, (wt_r64(&t, pte) & ~(1ULL << 45)) | (1ULL << 55));
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA);
}

Test(walk, P4_2_not_present_hides_reserved_and_lower_levels)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pdpte = wt_slot(&t, ROOT, 4, LA, 3, WT_PRU);

	map4(WT_PRU, WT_PRU);
	/* P=0 with reserved bits set: not-present wins */
	wt_w64(&t, pdpte, (wt_r64(&t, pdpte) & ~WT_P) | (1ULL << 51));
	cr_assert_eq(pf_code(&r, LA, U | W), 0x06);
	cr_assert_eq(res.fault.level, 3);
	cr_assert_eq(res.nreads, 2);
}

/* ---- 32-bit paging (SDM Vol. 3A 4.3, Tables 4-4..4-6) */

static msim_paging_regs regs32(bool pse)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	r.cr4 = pse ? MSIM_CR4_PSE : 0;
	r.cr3 = ROOT;
	return r;
}

Test(walk, P2_9_pse36_4mb_page)
{
	msim_paging_regs r = regs32(true);
	uint32_t la = 0x80123456u;
	uint64_t pde = ROOT + (la >> 22) * 4;

	cpu.maxphyaddr = 36;
	/* PA[35:32] = 0xA in PDE bits 16:13, PA[31:22] = 0x3ff */
	wt_w32(&t, pde, 0xffc00000u | (0xAu << 13) | WT_PRU | WT_PS);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, 0xAffc00000ULL | (la & 0x3fffff));
	cr_assert_eq(res.page_size, 4ULL << 20);
	cr_assert_eq(res.nreads, 1);
	/* M'=36: bits 21:17 reserved */
	wt_w32(&t, pde, wt_r32(&t, pde) | (1u << 17));
	cr_assert_eq(pf_code(&r, la, 0), 0x09);
	/* M=46 -> M'=40: bits 20:13 are PA[39:32], only bit 21 reserved */
	cpu.maxphyaddr = 46;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, ((0x10ULL | 0xA) << 32) | 0xffc00000ULL | (la & 0x3fffff));
	wt_w32(&t, pde, wt_r32(&t, pde) | (1u << 21));
	cr_assert_eq(pf_code(&r, la, U), 0x0D);
}

Test(walk, P2_11_ps_ignored_without_cr4_pse)
{
	msim_paging_regs r = regs32(false);
	uint32_t la = 0x00403000u;
	uint64_t pte = wt_slot32(&t, ROOT, la, 1, WT_PRU);
	uint64_t pde = ROOT + (la >> 22) * 4;

	wt_w32(&t, pte, (uint32_t)DATA | WT_PRU);
	wt_w32(&t, pde, wt_r32(&t, pde) | WT_PS);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA);
	cr_assert_eq(res.nreads, 2);
	cr_assert_eq(res.refs[0].size, 4);
	cr_assert_eq(res.refs[0].addr, pde);
	cr_assert_eq(res.refs[1].addr, pte);
	/* SDM Vol. 3A 4.7: fetch faults in 32-bit paging have I/D=0 without SMEP */
	wt_w32(&t, pte, 0);
	cr_assert_eq(pf_code(&r, la, U | X), 0x04);
	r.cr4 |= MSIM_CR4_SMEP;
	cr_assert_eq(pf_code(&r, la, U | X), 0x14);
}

/* ---- reference counts (SDM Vol. 3A 4.7) */

static void check_reads(unsigned expect_reads, unsigned top, uint64_t la)
{
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.nreads, expect_reads);
	for (unsigned i = 0; i < expect_reads; i++) {
		cr_assert_eq(res.refs[i].kind, MSIM_REF_READ);
		cr_assert_eq(res.refs[i].level, top - i);
		cr_assert_eq(res.refs[i].dim, 0);
	}
	(void)la;
}

Test(walk, P4_9_refs_4level_4k_2m_1g)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	uint64_t l4 = 0x1000, l2 = 0x40000000ULL, l1 = 0x8000000000ULL;

	o.no_ad = true;
	wt_map(&t, ROOT, 4, l4, DATA, 1, WT_PRU, WT_PRU);
	wt_map(&t, ROOT, 4, l2, 0x200000, 2, WT_PRU, WT_PRU);
	wt_map(&t, ROOT, 4, l1, 0x40000000ULL, 3, WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l4, 0, &res), 0);
	check_reads(4, 4, l4);
	cr_assert_eq(res.refs[0].addr, ROOT);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l2, 0, &res), 0);
	check_reads(3, 4, l2);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l1, 0, &res), 0);
	check_reads(2, 4, l1);
	cr_assert_eq(res.nrefs, 2);
}

Test(walk, P4_9_refs_5level_4k_2m_1g)
{
	msim_paging_regs r = wt_regs_lm(ROOT, true);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	uint64_t l4 = 0x1000, l2 = 0x40000000ULL, l1 = 0x8000000000ULL;

	o.no_ad = true;
	wt_map(&t, ROOT, 5, l4, DATA, 1, WT_PRU, WT_PRU);
	wt_map(&t, ROOT, 5, l2, 0x200000, 2, WT_PRU, WT_PRU);
	wt_map(&t, ROOT, 5, l1, 0x40000000ULL, 3, WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l4, 0, &res), 0);
	check_reads(5, 5, l4);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l2, 0, &res), 0);
	check_reads(4, 5, l2);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, l1, 0, &res), 0);
	check_reads(3, 5, l1);
}

Test(walk, P4_9_refs_32bit_4k_4m)
{
	msim_paging_regs r = regs32(true);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;

	o.no_ad = true;
	wt_w32(&t, wt_slot32(&t, ROOT, 0x1000, 1, WT_PRU), (uint32_t)DATA | WT_PRU);
	wt_w32(&t, ROOT + (0x00800000u >> 22) * 4, 0x00c00000u | WT_PRU | WT_PS);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, 0x1000, 0, &res), 0);
	check_reads(2, 2, 0x1000);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, 0x00800000u, 0, &res), 0);
	check_reads(1, 2, 0x00800000u);
	cr_assert_eq(res.pa, 0x00c00000u);
}

/* PAE: PDPT at ROOT (4 registers), PD/PT below. */
static msim_paging_regs regs_pae(void)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;
	msim_arch_result ar;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_WP;
	r.cr4 = MSIM_CR4_PAE;
	r.efer = MSIM_EFER_NXE;
	r.cr3 = ROOT;
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0,
				     r.cr0 | MSIM_CR0_PG, t.mem, &ar), 0);
	cr_assert(!ar.gp, "%s", ar.why ? ar.why : "");
	cr_assert(ar.pdptes_loaded);
	return r;
}

static uint64_t pae_slot(uint32_t la, unsigned target)
{
	uint64_t pdpte = ROOT + ((la >> 30) & 3) * 8;
	uint64_t e = wt_r64(&t, pdpte), pde;

	if (!(e & WT_P)) {
		e = wt_alloc(&t) | WT_P;
		wt_w64(&t, pdpte, e);
	}
	if (target == 3)
		return pdpte;
	pde = (e & WT_ADDR) + ((la >> 21) & 511) * 8;
	if (target == 2)
		return pde;
	e = wt_r64(&t, pde);
	if (!(e & WT_P)) {
		e = wt_alloc(&t) | WT_PRU;
		wt_w64(&t, pde, e);
	}
	return (e & WT_ADDR) + ((la >> 12) & 511) * 8;
}

Test(walk, P4_9_refs_pae_4k_2m_pdpte_registers)
{
	msim_paging_regs r;
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	uint64_t pt = pae_slot(0x40001000u, 1), pd2 = pae_slot(0x80200000u, 2);

	wt_w64(&t, pt, DATA | WT_PRU);
	wt_w64(&t, pd2, 0x400000 | WT_PRU | WT_PS);
	r = regs_pae();
	o.no_ad = true;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, 0x40001000u, 0, &res), 0);
	check_reads(2, 2, 0);
	cr_assert_eq(res.pa, DATA);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, 0x80200000u, 0, &res), 0);
	check_reads(1, 2, 0);
	cr_assert_eq(res.pa, 0x400000);
	cr_assert_eq(res.page_size, 2ULL << 20);
}

Test(walk, P4_9_faulting_walk_counts_up_to_failing_level)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	wt_slot(&t, ROOT, 4, LA, 1, WT_PRU); /* PTE empty */
	cr_assert_eq(pf_code(&r, LA, 0), 0x00);
	cr_assert_eq(res.nreads, 4);
	cr_assert_eq(res.nad_writes, 0);
}

/* ---- PAE PDPTE registers (SDM Vol. 3A 4.4.2; SDM Vol. 3A 4.4.1, Table 4-8; SDM Vol. 3A 4.4.1) */

Test(walk, P2_13_pae_pdpte_reserved_gp)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT, before;
	msim_arch_result ar;

	r.cr0 = MSIM_CR0_PE;
	r.cr4 = MSIM_CR4_PAE;
	r.cr3 = ROOT;
	wt_w64(&t, ROOT + 8, 0x300000 | WT_P | WT_RW); /* bit 1 reserved */
	before = r;
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0, r.cr0 | MSIM_CR0_PG,
				     t.mem, &ar), 0);
	cr_assert(ar.gp);
	cr_assert_eq(memcmp(&r, &before, sizeof(r)), 0);
	/* bit 63 (no XD in a PAE PDPTE) */
	wt_w64(&t, ROOT + 8, 0x300000 | WT_P | WT_XD);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0, r.cr0 | MSIM_CR0_PG,
				     t.mem, &ar), 0);
	cr_assert(ar.gp);
	/* reserved bits in a not-present PDPTE are fine */
	wt_w64(&t, ROOT + 8, 0x300000 | WT_RW | WT_XD);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0, r.cr0 | MSIM_CR0_PG,
				     t.mem, &ar), 0);
	cr_assert(!ar.gp);
	cr_assert(ar.pdptes_loaded);
	cr_assert_eq(r.pdpte[1], 0x300000 | WT_RW | WT_XD);
	/* SDM Vol. 3A 4.4.1: walking through it gives #PF P=0 */
	cr_assert_eq(pf_code(&r, 0x40000000u, W), 0x02);
	cr_assert_eq(res.nrefs, 0);
	/* MOV CR3 reloads and can #GP too */
	wt_w64(&t, ROOT + 0x20 + 16, WT_P | (1ULL << 5));
	before = r;
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR3, ROOT + 0x20, t.mem, &ar), 0);
	cr_assert(ar.gp);
	cr_assert_eq(memcmp(&r, &before, sizeof(r)), 0);
	cr_assert_eq(msim_pae_pdpte_rsvd(36), 0xfffffff0000001e6ULL);
}

Test(walk, P2_14_pdpt_changes_ignored_until_reload)
{
	msim_paging_regs r;
	uint64_t pt = pae_slot(0x1000u, 1);
	msim_arch_result ar;

	wt_w64(&t, pt, DATA | WT_PRU);
	r = regs_pae();
	wt_w64(&t, ROOT, 0); /* clear PDPTE 0 in memory */
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0x1000u, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, DATA);
	/* SDM Vol. 3A 4.8: PDPT memory is never written (no A in a PAE PDPTE) */
	cr_assert_eq(wt_r64(&t, ROOT), 0);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR3, ROOT, t.mem, &ar), 0);
	cr_assert(ar.pdptes_loaded);
	cr_assert_eq(pf_code(&r, 0x1000u, 0), 0x00);
}

Test(walk, P2_6_pae_pde_high_bits_reserved)
{
	msim_paging_regs r;
	uint64_t pt = pae_slot(0x1000u, 1), pde = pae_slot(0x1000u, 2);

	wt_w64(&t, pt, DATA | WT_PRU);
	r = regs_pae();
	wt_w64(&t, pde, wt_r64(&t, pde) | (1ULL << 62));
	cr_assert_eq(pf_code(&r, 0x1000u, 0), 0x09);
	/* the same bit is ignored (PK position) in 4-level paging */
}

Test(walk, P3_2_pae_pdpte_contributes_no_rights)
{
	msim_paging_regs r;
	uint64_t pt = pae_slot(0x1000u, 1);

	wt_w64(&t, pt, DATA | WT_PRU);
	r = regs_pae();
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0x1000u, U | W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.rights.us, 1);
	cr_assert_eq(res.rights.rw, 1);
}

/* ---- A/D flags (SDM Vol. 3A 4.8) */

static uint64_t ent(unsigned level)
{
	return wt_r64(&t, res.entries[level].gpa);
}

Test(walk, P5_1_P5_2_ad_placement_read_then_write)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	map4(WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, U, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	for (unsigned l = 4; l >= 1; l--) {
		cr_assert(ent(l) & WT_A, "A missing at level %u", l);
		cr_assert_eq(ent(l) & WT_D, 0);
	}
	/* four locked RMWs, top-down, after the four reads */
	cr_assert_eq(res.nrefs, 8);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(res.refs[4 + i].kind, MSIM_REF_AD_WRITE);
		cr_assert_eq(res.refs[4 + i].level, 4 - i);
		cr_assert_eq(res.refs[4 + i].addr, res.refs[i].addr);
	}
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, U | W, &res), 0);
	cr_assert_eq(ent(1), DATA | WT_PRU | WT_A | WT_D);
	for (unsigned l = 4; l >= 2; l--)
		cr_assert_eq(ent(l) & WT_D, 0, "D in non-leaf level %u", l);
	cr_assert_eq(res.nad_writes, 1);
	/* third access: everything already set, no writes */
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, U | W, &res), 0);
	cr_assert_eq(res.nad_writes, 0);
	cr_assert_eq(res.nrefs, 4);
}

Test(walk, P5_2_large_leaf_gets_d)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t la = 0x40000000ULL;
	uint64_t pde = wt_map(&t, ROOT, 4, la, 0x600000, 2, WT_PRU, WT_PRU);

	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, W, &res), 0);
	cr_assert_eq(wt_r64(&t, pde), 0x600000 | WT_PRU | WT_PS | WT_A | WT_D);
}

Test(walk, P5_3_fault_leaves_leaf_untouched)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pte = map4(WT_P | WT_US, WT_PRU);

	cr_assert_eq(pf_code(&r, LA, U | W), 0x07);
	cr_assert_eq(wt_r64(&t, pte), DATA | WT_P | WT_US);
	/* default SDM Vol. 3A 4.8 policy: nothing written anywhere */
	cr_assert_eq(res.nad_writes, 0);
	for (unsigned l = 4; l >= 2; l--)
		cr_assert_eq(ent(l) & WT_A, 0);
}

Test(walk, P5_4_as_you_go_policy)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	uint64_t pte = map4(0, WT_PRU); /* PTE not present */

	o.ad_policy = MSIM_AD_AS_YOU_GO;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(res.fault.pf_ec, 0);
	for (unsigned l = 4; l >= 2; l--)
		cr_assert(ent(l) & WT_A, "level %u", l);
	cr_assert_eq(wt_r64(&t, pte), DATA);
	/* reads and writes interleave: read, A, read, A, read, A, read */
	cr_assert_eq(res.nrefs, 7);
	cr_assert_eq(res.refs[1].kind, MSIM_REF_AD_WRITE);
	cr_assert_eq(res.refs[6].kind, MSIM_REF_READ);
}

Test(walk, P5_5_ignored_nonleaf_bit6_untouched)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pde = wt_slot(&t, ROOT, 4, LA, 2, WT_PRU);

	map4(WT_PRU, WT_PRU);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, W, &res), 0);
	cr_assert_eq(wt_r64(&t, pde) & WT_D, 0);
	wt_w64(&t, pde, wt_r64(&t, pde) | WT_D);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, W, &res), 0);
	cr_assert(wt_r64(&t, pde) & WT_D);
}

Test(walk, no_ad_option_writes_nothing)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	uint64_t pte = map4(WT_PRU, WT_PRU);

	o.no_ad = true;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, LA, W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(wt_r64(&t, pte), DATA | WT_PRU);
	cr_assert_eq(res.nad_writes, 0);
}

Test(walk, P6_6_self_referencing_entry)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	/* PML4E[511] -> ROOT itself: LA with all indices 511 maps ROOT */
	uint64_t la = 0xfffffffffffff000ULL;

	wt_w64(&t, ROOT + 511 * 8, ROOT | WT_P | WT_RW);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, la, W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.pa, ROOT);
	/* one memory entry used at four levels: A and D both land in it */
	cr_assert_eq(wt_r64(&t, ROOT + 511 * 8), ROOT | WT_P | WT_RW | WT_A | WT_D);
	cr_assert_eq(res.nad_writes, 2);
}

/* ---- PSC start point (SDM Vol. 3A 4.10.2-4.10.3) */

Test(walk, P6_4_start_below_cached_level)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	msim_walk_start st = { 0 };
	uint64_t pde = wt_slot(&t, ROOT, 4, LA, 2, WT_PRU);

	map4(WT_PRU, WT_PRU);
	st.level = 2;
	st.table = pde & ~0xfffULL;
	st.rights.rw = 0; /* a cached upper level denied writes */
	st.rights.us = 1;
	o.start = &st;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, LA, U, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.nreads, 2);
	cr_assert_eq(res.refs[0].addr, pde);
	cr_assert_eq(res.start_level, 2);
	cr_assert_eq(res.rights.rw, 0);
	/* skipped levels are not A-updated */
	cr_assert_eq(wt_r64(&t, ROOT + ((LA >> 39) & 511) * 8) & WT_A, 0);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, LA, U | W, &res), 0);
	cr_assert_eq(res.fault.pf_ec, 0x07);
	/* reference mode ignores the start point */
	o.reference = true;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, LA, U | W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.nreads, 4);
}

Test(walk, P6_3_entries_reported_for_pwc_fill)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pdpte = wt_slot(&t, ROOT, 4, LA, 3, WT_PRU);

	map4(WT_PRU, WT_PRU);
	wt_w64(&t, pdpte, wt_r64(&t, pdpte) & ~WT_US);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	for (unsigned l = 4; l >= 1; l--)
		cr_assert(res.entries[l].valid);
	cr_assert_eq(res.entries[3].gpa, pdpte);
	cr_assert_eq(res.entries[4].acc.us, 1);
	cr_assert_eq(res.entries[3].acc.us, 0);
	cr_assert_eq(res.entries[2].acc.us, 0);
	cr_assert_eq(res.entries[3].value & WT_A, 0); /* value before update */
	cr_assert_eq(res.leaf_gpa, res.entries[1].gpa);
}

/* ---- use-time rights (SDM Vol. 3A 4.6.2) and the decision table spot checks */

Test(walk, P3_13_toggle_wp_uses_cached_rights)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_rights cached;

	map4(WT_P, WT_PRU); /* read-only supervisor page */
	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, W, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cached = res.rights;
	r.cr0 |= MSIM_CR0_WP;
	cr_assert_eq(msim_rights_check(&cached, &r, W), 0x03);
	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(msim_rights_check(&cached, &r, W), 0);
}

Test(walk, P3_9_pks_supervisor_keys)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_rights sup = { .rw = 1, .us = 0, .pk = 5 };

	r.cr4 |= MSIM_CR4_PKS;
	r.pkrs = 2u << 10; /* WD key 5 */
	cr_assert_eq(msim_rights_check(&sup, &r, W), 0x23);
	r.cr0 &= ~MSIM_CR0_WP; /* WD ignored with WP=0 */
	cr_assert_eq(msim_rights_check(&sup, &r, W), 0);
	r.pkrs = 1u << 10; /* AD key 5 */
	cr_assert_eq(msim_rights_check(&sup, &r, 0), 0x21);
	/* PKRS never governs user pages (SDM Vol. 3A 4.6.2) */
	sup.us = 1;
	cr_assert_eq(msim_rights_check(&sup, &r, U), 0);
	/* no keys outside long mode */
	sup.us = 0;
	r.efer &= ~MSIM_EFER_LMA;
	cr_assert_eq(msim_rights_check(&sup, &r, 0), 0);
}

Test(walk, P3_8_pkru_governs_user_pages_for_supervisor)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	msim_rights up = { .rw = 1, .us = 1, .pk = 2 };

	r.cr4 |= MSIM_CR4_PKE;
	r.pkru = 1u << 4; /* AD key 2 */
	cr_assert_eq(msim_rights_check(&up, &r, 0), 0x21);
	/* never on fetches */
	cr_assert_eq(msim_rights_check(&up, &r, X), 0);
	/* PKRU WD on a supervisor write only with WP=1 */
	r.pkru = 2u << 4;
	cr_assert_eq(msim_rights_check(&up, &r, W), 0x23);
	r.cr0 &= ~MSIM_CR0_WP;
	cr_assert_eq(msim_rights_check(&up, &r, W), 0);
	cr_assert_eq(msim_rights_check(&up, &r, U | W), 0x27);
}

Test(walk, P3_12_shadow_stack)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pte = map4(WT_P | WT_D, WT_P | WT_RW); /* supervisor SS page */
	unsigned ssw = MSIM_WACC_SHSTK | W;

	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, ssw, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.rights.shstk, 1);
	/* looks read-only to normal writes */
	cr_assert_eq(pf_code(&r, LA, W), 0x03);
	/* user SS access to a supervisor SS page */
	cr_assert_eq(pf_code(&r, LA, ssw | U), 0x47);
	/* D=0: not a shadow-stack page */
	wt_w64(&t, pte, DATA | WT_P);
	cr_assert_eq(pf_code(&r, LA, MSIM_WACC_SHSTK), 0x41);
}

/* ---- CR/EFER writes (SDM Vol. 3A 4.1.1; SDM Vol. 3A 4.1.1, 2.5) */

static msim_arch_result ar;

static void expect_gp(msim_paging_regs *r, msim_arch_reg reg, uint64_t v)
{
	msim_paging_regs before = *r;

	cr_assert_eq(msim_arch_write(&cpu, r, reg, v, t.mem, &ar), 0);
	cr_assert(ar.gp, "reg %d val 0x%llx: expected #GP", reg,
		  (unsigned long long)v);
	cr_assert_eq(memcmp(r, &before, sizeof(*r)), 0, "state changed on #GP");
}

static void expect_ok(msim_paging_regs *r, msim_arch_reg reg, uint64_t v)
{
	cr_assert_eq(msim_arch_write(&cpu, r, reg, v, t.mem, &ar), 0);
	cr_assert(!ar.gp, "reg %d val 0x%llx: unexpected #GP (%s)", reg,
		  (unsigned long long)v, ar.why);
}

Test(walk, P1_2_lma_derivation_and_pae_required)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE;
	expect_ok(&r, MSIM_REG_EFER, MSIM_EFER_LME);
	cr_assert_eq(r.efer & MSIM_EFER_LMA, 0);
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PE | MSIM_CR0_PG); /* PAE=0 */
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_PAE);
	expect_ok(&r, MSIM_REG_CR3, ROOT);
	expect_ok(&r, MSIM_REG_CR0, MSIM_CR0_PE | MSIM_CR0_PG);
	cr_assert(r.efer & MSIM_EFER_LMA);
	cr_assert_eq(msim_paging_mode_of(&r), MSIM_PAGING_4);
	/* clearing PG (compatibility mode) clears LMA */
	expect_ok(&r, MSIM_REG_CR0, MSIM_CR0_PE);
	cr_assert_eq(r.efer & MSIM_EFER_LMA, 0);
}

Test(walk, P1_3_gp_cases)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	expect_gp(&r, MSIM_REG_CR4, 0);                                /* clear PAE */
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_LA57);     /* LA57 */
	expect_gp(&r, MSIM_REG_EFER, MSIM_EFER_NXE | MSIM_EFER_LMA);   /* LME 1->0 */
	r.cr3 = ROOT | 5;
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_PCIDE);    /* CR3[11:0] */
	r.cr3 = ROOT;
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_PCIDE);
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PE);                      /* PG w/ PCIDE */
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_PAE);
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PE);                      /* 64-bit mode */
	/* unsupported features */
	cpu.smep = false;
	cpu.pke = false;
	cpu.la57 = false;
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_SMEP);
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_PKE);
	/* CR3 above MAXPHYADDR, bit 63 with PCIDE=0 */
	expect_gp(&r, MSIM_REG_CR3, 1ULL << 46);
	expect_gp(&r, MSIM_REG_CR3, ROOT | (1ULL << 63));
	expect_ok(&r, MSIM_REG_CR3, ROOT | (1ULL << 45));
	/* PCIDE=1: bit 63 is the no-flush hint, dropped */
	r.cr3 = ROOT;
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_PCIDE);
	expect_ok(&r, MSIM_REG_CR3, ROOT | 7 | (1ULL << 63));
	cr_assert_eq(r.cr3, ROOT | 7);
}

Test(walk, P1_3_gp_legacy_cases)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = 0;
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PG);                      /* PG w/o PE */
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PCIDE);                   /* not LMA */
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PE | MSIM_CR0_NW);        /* NW w/o CD */
	cpu.la57 = false;
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_LA57);
	cpu.la57 = true;
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_LA57);                    /* legal outside LM */
	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG;
	expect_gp(&r, MSIM_REG_EFER, MSIM_EFER_LME);                   /* LME with PG=1 */
	cpu.nx = false;
	expect_gp(&r, MSIM_REG_EFER, MSIM_EFER_NXE);
}

Test(walk, P1_3_cet_wp_rules)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	cpu.cet = true;
	r.cr0 &= ~MSIM_CR0_WP;
	expect_gp(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_CET);
	r.cr0 |= MSIM_CR0_WP;
	expect_ok(&r, MSIM_REG_CR4, MSIM_CR4_PAE | MSIM_CR4_CET);
	expect_gp(&r, MSIM_REG_CR0, MSIM_CR0_PE | MSIM_CR0_PG);
}

Test(walk, P8_1_formula_helper)
{
	cr_assert_eq(msim_walk_2d_ref_formula(4, 4), 24);
	cr_assert_eq(msim_walk_2d_ref_formula(5, 5), 35);
	cr_assert_eq(msim_walk_2d_ref_formula(4, 5), 29);
	cr_assert_eq(msim_walk_2d_ref_formula(5, 4), 29);
}

Test(walk, bad_arguments)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	cr_assert_eq(msim_walk(NULL, &cpu, &r, NULL, 0, 0, &res), MSIM_EINVAL);
	cpu.maxphyaddr = 60;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, 0, 0, &res), MSIM_EINVAL);
}

Test(walk, P2_12_pdpte_reload_triggers)
{
	msim_paging_regs r;
	msim_arch_result a;
	uint64_t pt = pae_slot(0x1000u, 1);

	wt_w64(&t, pt, DATA | WT_PRU);
	r = regs_pae();
	/* CR4 bits outside PAE/PGE/PSE/SMEP: no reload */
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_SMAP, t.mem, &a), 0);
	cr_assert(!a.gp);
	cr_assert(!a.pdptes_loaded);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_SMEP, t.mem, &a), 0);
	cr_assert(a.pdptes_loaded);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR4,
				     r.cr4 | MSIM_CR4_PGE, t.mem, &a), 0);
	cr_assert(a.pdptes_loaded);
	/* CR0.WP change: no reload; CR0.CD change: reload */
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0,
				     r.cr0 & ~MSIM_CR0_WP, t.mem, &a), 0);
	cr_assert(!a.pdptes_loaded);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR0,
				     r.cr0 | MSIM_CR0_CD, t.mem, &a), 0);
	cr_assert(a.pdptes_loaded);
	/* a reload that would #GP leaves everything as it was */
	wt_w64(&t, ROOT + 24, WT_P | WT_US);
	cr_assert_eq(msim_arch_write(&cpu, &r, MSIM_REG_CR4,
				     r.cr4 & ~MSIM_CR4_PGE, t.mem, &a), 0);
	cr_assert(a.gp);
	cr_assert(r.cr4 & MSIM_CR4_PGE);
}

Test(walk, P2_16_pat_index_4k)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);
	uint64_t pte = map4(WT_PRU | (1ULL << 7) | MSIM_PTE_PWT, WT_PRU);

	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.pat, 4 | 1);
	wt_w64(&t, pte, DATA | WT_PRU | MSIM_PTE_PCD);
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.pat, 2);
	/* 4-KB PTE bit 7 is PAT, never PS: still a 4-KB page */
	cr_assert_eq(res.page_size, 4096);
}

Test(walk, P3_4_pks_through_the_walk)
{
	msim_paging_regs r = wt_regs_lm(ROOT, false);

	cpu.pks = true;
	r.cr4 |= MSIM_CR4_PKS;
	r.pkrs = 1u << (2 * 6); /* AD key 6 */
	map4(WT_P | WT_RW | (6ULL << 59), WT_PRU);
	cr_assert_eq(pf_code(&r, LA, 0), 0x21);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_PF);
	/* keys are ignored without CR4.PKS (SDM Vol. 3A 4.6.2) */
	r.cr4 &= ~MSIM_CR4_PKS;
	cr_assert_eq(msim_walk(t.mem, &cpu, &r, NULL, LA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(res.rights.pk, 0);
}
