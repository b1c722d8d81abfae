/*
 * Built-in recording scenarios. Each address space k lives at
 * MSIM_VMM_SCEN_BASE + k * SPACE_SIZE: PML4, PDPT, PD, PT, then DATA_PAGES
 * data pages mapped at gva DATA_GVA + i * 4K (PML4[0] -> PDPT[0] ->
 * PD[2] -> PT[i]); PML4[511] is the harness entry (vmm.h).
 * Expected outcomes cited in comments follow the SDM vol. 3 §4.6 rules
 * (access rights) and §4.7 (#PF error code: P=1 W=2 U=4 RSVD=8 I/D=16).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/gen.h"
#include "vmm.h"
#include "vmm_scen.h"

#define SPACE_SIZE 0x10000ull
#define DATA_PAGES 8
#define DATA_GVA 0x400000ull
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_NX (1ull << 63)
#define CR0_BOOT 0x80050033ull
#define CR0_WP (1ull << 16)
#define CR4_BOOT 0x20ull
#define CR4_PGE (1ull << 7)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PCIDE (1ull << 17)
#define CR3_NOFLUSH (1ull << 63)
#define EFER_BOOT 0x500ull
#define EFER_NXE (1ull << 11)

void msim_vmm_script_add(msim_vmm_script *s, const msim_event *ev)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		msim_vmm_step *p = realloc(s->step, cap * sizeof(*p));
		if (!p) {
			s->oom = 1;
			return;
		}
		s->step = p;
		s->cap = cap;
	}
	memset(&s->step[s->n], 0, sizeof(s->step[0]));
	s->step[s->n++].ev = *ev;
}

void msim_vmm_script_free(msim_vmm_script *s)
{
	free(s->step);
	memset(s, 0, sizeof(*s));
}

static void ev1(msim_vmm_script *s, unsigned type, uint64_t a0)
{
	msim_event ev = { .type = (uint16_t)type, .present = 1 };
	ev.arg[0] = a0;
	msim_vmm_script_add(s, &ev);
}

static void note(msim_vmm_script *s, const char *text)
{
	msim_event ev = { .type = MSIM_EV_NONE };
	msim_vmm_script_add(s, &ev);
	if (!s->oom)
		snprintf(s->step[s->n - 1].comment,
			 sizeof(s->step[0].comment), "%s", text);
}

static void wr(msim_vmm_script *s, uint64_t gpa, uint64_t val)
{
	msim_event ev = { .type = MSIM_EV_WRMEM, .present = 3 };
	ev.arg[0] = gpa;
	ev.arg[1] = val;
	ev.arg[2] = 8;
	msim_vmm_script_add(s, &ev);
}

static void acc(msim_vmm_script *s, unsigned type, uint64_t gva, unsigned cpl,
		unsigned ac)
{
	msim_event ev = { .type = MSIM_EV_ACCESS, .present = 1 | 2 | 4 };
	ev.arg[0] = type;
	ev.arg[1] = gva;
	ev.arg[2] = cpl;
	if (ac) {
		ev.arg[3] = 1;
		ev.present |= 8;
	}
	msim_vmm_script_add(s, &ev);
}

static uint64_t space(unsigned k)
{
	return MSIM_VMM_SCEN_BASE + k * SPACE_SIZE;
}

static uint64_t pte_gpa(unsigned k, unsigned i)
{
	return space(k) + 0x3000 + 8ull * ((DATA_GVA >> 12 & 511) + i);
}

static uint64_t data_gpa(unsigned k, unsigned i)
{
	return space(k) + 0x4000 + 0x1000ull * i;
}

static uint64_t gva(unsigned i)
{
	return DATA_GVA + 0x1000ull * i;
}

/* Build address space k: upper levels P|W|U, leaf i gets flags[i]. Data
 * pages start with RET bytes so fetch accesses return. */
static void build_space(msim_vmm_script *s, unsigned k, const uint64_t *flags)
{
	uint64_t b = space(k);
	wr(s, b + 0, (b + 0x1000) | PTE_P | PTE_W | PTE_U);
	wr(s, b + 511 * 8, MSIM_VMM_PML4E);
	wr(s, b + 0x1000, (b + 0x2000) | PTE_P | PTE_W | PTE_U);
	wr(s, b + 0x2000 + 8 * (DATA_GVA >> 21 & 511),
	   (b + 0x3000) | PTE_P | PTE_W | PTE_U);
	for (unsigned i = 0; i < DATA_PAGES; i++) {
		wr(s, data_gpa(k, i), 0xc3c3c3c3c3c3c3c3ull);
		if (flags[i])
			wr(s, pte_gpa(k, i), data_gpa(k, i) | flags[i]);
	}
}

static const uint64_t all_rw_user[DATA_PAGES] = {
	PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U,
	PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U,
	PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U,
};

/* CR0.WP toggling (kvm-mmu-model E1): supervisor write to a read-only
 * page faults only with WP=1 (SDM 4.6.1); user writes always fault. */
static void scen_wp(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	const uint64_t f[DATA_PAGES] = { PTE_P | PTE_U, PTE_P, PTE_P | PTE_W | PTE_U,
					 PTE_P | PTE_W, 0, 0, 0, 0 };
	build_space(s, 0, f);
	ev1(s, MSIM_EV_CR3, space(0));
	for (int round = 0; round < 4; round++) {
		note(s, round ? "toggle again" : "CR0.WP=1: supervisor write to r/o page faults");
		acc(s, MSIM_ACC_READ, gva(0), 3, 0);
		acc(s, MSIM_ACC_WRITE, gva(0), 0, 0);
		acc(s, MSIM_ACC_WRITE, gva(1), 0, 0);
		acc(s, MSIM_ACC_WRITE, gva(2), 3, 0);
		ev1(s, MSIM_EV_CR0, CR0_BOOT & ~CR0_WP);
		acc(s, MSIM_ACC_WRITE, gva(0), 0, 0);
		acc(s, MSIM_ACC_WRITE, gva(1), 0, 0);
		acc(s, MSIM_ACC_WRITE, gva(0), 3, 0);
		acc(s, MSIM_ACC_WRITE, gva(2), 3, 0);
		ev1(s, MSIM_EV_CR0, CR0_BOOT);
	}
}

/* CR3 round-robin over K=5 address spaces (kvm-mmu-model E2): 4 root
 * slots (current + 3 prev_roots) cannot hold 5 spaces. */
static void scen_cr3rr(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	const unsigned K = 5;
	for (unsigned k = 0; k < K; k++)
		build_space(s, k, all_rw_user);
	for (unsigned round = 0; round < 3; round++)
		for (unsigned k = 0; k < K; k++) {
			ev1(s, MSIM_EV_CR3, space(k));
			acc(s, MSIM_ACC_READ, gva(k), 3, 0);
			acc(s, MSIM_ACC_WRITE, gva(k), 3, 0);
		}
	note(s, "4 spaces: fits current + 3 prev_roots");
	for (unsigned round = 0; round < 2; round++)
		for (unsigned k = 0; k < 4; k++) {
			ev1(s, MSIM_EV_CR3, space(k));
			acc(s, MSIM_ACC_READ, gva(k), 3, 0);
		}
}

/* CR4.SMEP/SMAP/PGE and EFER.NXE toggles with the accesses they gate
 * (SDM 4.6.1: SMEP blocks supervisor fetches from user pages, SMAP
 * supervisor data accesses unless EFLAGS.AC; NX needs EFER.NXE). */
static void scen_cr4efer(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	const uint64_t f[DATA_PAGES] = {
		PTE_P | PTE_W | PTE_U, PTE_P | PTE_W | PTE_U | PTE_NX,
		PTE_P | PTE_W, PTE_P | PTE_W | PTE_NX, 0, 0, 0, 0 };
	build_space(s, 0, f);
	ev1(s, MSIM_EV_CR3, space(0));
	for (int round = 0; round < 2; round++) {
		note(s, "SMEP");
		ev1(s, MSIM_EV_CR4, CR4_BOOT | CR4_SMEP);
		acc(s, MSIM_ACC_FETCH, gva(0), 0, 0);
		acc(s, MSIM_ACC_FETCH, gva(2), 0, 0);
		acc(s, MSIM_ACC_READ, gva(0), 0, 0);
		note(s, "SMAP");
		ev1(s, MSIM_EV_CR4, CR4_BOOT | CR4_SMAP);
		acc(s, MSIM_ACC_READ, gva(0), 0, 0);
		acc(s, MSIM_ACC_READ, gva(0), 0, 1);
		acc(s, MSIM_ACC_WRITE, gva(0), 0, 0);
		acc(s, MSIM_ACC_FETCH, gva(0), 0, 0);
		note(s, "SMEP|SMAP with CR0.WP=0");
		ev1(s, MSIM_EV_CR4, CR4_BOOT | CR4_SMEP | CR4_SMAP);
		ev1(s, MSIM_EV_CR0, CR0_BOOT & ~CR0_WP);
		acc(s, MSIM_ACC_WRITE, gva(0), 0, 0);
		acc(s, MSIM_ACC_READ, gva(2), 3, 0);
		ev1(s, MSIM_EV_CR0, CR0_BOOT);
		note(s, "PGE");
		ev1(s, MSIM_EV_CR4, CR4_BOOT | CR4_PGE);
		acc(s, MSIM_ACC_READ, gva(0), 3, 0);
		ev1(s, MSIM_EV_CR4, CR4_BOOT);
		note(s, "EFER.NXE");
		ev1(s, MSIM_EV_EFER, EFER_BOOT | EFER_NXE);
		acc(s, MSIM_ACC_FETCH, gva(1), 3, 0);
		acc(s, MSIM_ACC_FETCH, gva(0), 3, 0);
		acc(s, MSIM_ACC_FETCH, gva(3), 0, 0);
		ev1(s, MSIM_EV_EFER, EFER_BOOT);
		note(s, "EFER.NXE=0: bit 63 is reserved");
		acc(s, MSIM_ACC_READ, gva(1), 3, 0);
		acc(s, MSIM_ACC_READ, gva(3), 0, 0);
	}
}

/* Guest PTE writes, with and without INVLPG, checked at CPL0 and CPL3:
 * shadow paging write-protects the guest PT, so KVM sees each write. */
static void scen_pte(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	build_space(s, 0, all_rw_user);
	ev1(s, MSIM_EV_CR3, space(0));
	for (unsigned cpl = 0; cpl <= 3; cpl += 3) {
		unsigned i = cpl ? 1 : 0;
		note(s, cpl ? "CPL3" : "CPL0");
		acc(s, MSIM_ACC_READ, gva(i), cpl, 0);
		acc(s, MSIM_ACC_WRITE, gva(i), cpl, 0);
		note(s, "make read-only, no INVLPG");
		wr(s, pte_gpa(0, i), data_gpa(0, i) | PTE_P | PTE_U);
		acc(s, MSIM_ACC_WRITE, gva(i), cpl, 0);
		ev1(s, MSIM_EV_INVLPG, gva(i));
		acc(s, MSIM_ACC_WRITE, gva(i), cpl, 0);
		note(s, "not present, no INVLPG");
		wr(s, pte_gpa(0, i), data_gpa(0, i) | PTE_W | PTE_U);
		acc(s, MSIM_ACC_READ, gva(i), cpl, 0);
		ev1(s, MSIM_EV_INVLPG, gva(i));
		acc(s, MSIM_ACC_READ, gva(i), cpl, 0);
		note(s, "back to P|W|U, no INVLPG");
		wr(s, pte_gpa(0, i), data_gpa(0, i) | PTE_P | PTE_W | PTE_U);
		acc(s, MSIM_ACC_WRITE, gva(i), cpl, 0);
		note(s, "remap to another frame, then INVLPG");
		wr(s, pte_gpa(0, i), data_gpa(0, 7) | PTE_P | PTE_W | PTE_U);
		acc(s, MSIM_ACC_READ, gva(i), cpl, 0);
		ev1(s, MSIM_EV_INVLPG, gva(i));
		acc(s, MSIM_ACC_READ, gva(i), cpl, 0);
		wr(s, pte_gpa(0, i), data_gpa(0, i) | PTE_P | PTE_W | PTE_U);
		ev1(s, MSIM_EV_INVLPG, gva(i));
	}
}

/* Repeated writes to a shadowed page table: KVM's write-flooding
 * detection zaps a shadow page written repeatedly without being used
 * (kvm-mmu-model §5; count threshold from mmu.c detect_write_flooding). */
static void scen_ptwrite(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	build_space(s, 0, all_rw_user);
	ev1(s, MSIM_EV_CR3, space(0));
	acc(s, MSIM_ACC_READ, gva(0), 3, 0);
	acc(s, MSIM_ACC_READ, gva(1), 3, 0);
	note(s, "6 writes to an unused PTE slot of the shadowed PT");
	for (unsigned n = 0; n < 6; n++)
		wr(s, pte_gpa(0, 6), data_gpa(0, 6) | PTE_P | (n & 1 ? PTE_W : 0));
	acc(s, MSIM_ACC_READ, gva(0), 3, 0);
	note(s, "writes interleaved with uses of the PT");
	for (unsigned n = 0; n < 6; n++) {
		wr(s, pte_gpa(0, 5), data_gpa(0, 5) | PTE_P | PTE_U | (n & 1 ? PTE_W : 0));
		acc(s, MSIM_ACC_READ, gva(5), 3, 0);
	}
	note(s, "writes to the shadowed PD");
	for (unsigned n = 0; n < 4; n++)
		wr(s, space(0) + 0x2000 + 8 * 7, (space(0) + 0x3000) | PTE_P | (n & 1 ? PTE_W : 0));
	acc(s, MSIM_ACC_READ, gva(2), 3, 0);
	note(s, "the guest writes its own PT through a user mapping (unsync)");
	wr(s, pte_gpa(0, 7), (space(0) + 0x3000) | PTE_P | PTE_W | PTE_U);
	ev1(s, MSIM_EV_INVLPG, gva(7));
	acc(s, MSIM_ACC_READ, gva(0), 3, 0);
	acc(s, MSIM_ACC_WRITE, gva(7) + 8 * ((DATA_GVA >> 12 & 511) + 4), 3, 0);
	acc(s, MSIM_ACC_WRITE, gva(7) + 8 * ((DATA_GVA >> 12 & 511) + 4), 3, 0);
	acc(s, MSIM_ACC_READ, gva(4), 3, 0);
	note(s, "MOV CR3 (same value) syncs unsync pages");
	ev1(s, MSIM_EV_CR3, space(0));
	acc(s, MSIM_ACC_READ, gva(4), 3, 0);
}

/* Seeded random permission matrix: random leaf flags, random upper-level
 * W/U, random accesses at CPL0/CPL3 with CR0.WP both ways. */
static void scen_random(msim_vmm_script *s, uint64_t seed)
{
	uint64_t st = seed;
	uint64_t f[DATA_PAGES];
	for (unsigned i = 0; i < DATA_PAGES; i++) {
		uint64_t r = msim_gen_rng_next(&st);
		f[i] = PTE_P | (r & (PTE_W | PTE_U)) | ((r >> 8) & 1 ? PTE_NX : 0);
		if (((r >> 9) & 7) == 0)
			f[i] &= ~PTE_P;
	}
	build_space(s, 0, f);
	/* the PD entry's W/U restrict every leaf below it */
	uint64_t pde = (space(0) + 0x3000) | PTE_P |
		       (msim_gen_rng_next(&st) & 3 ? PTE_W | PTE_U : PTE_U);
	wr(s, space(0) + 0x2000 + 8 * (DATA_GVA >> 21 & 511), pde);
	ev1(s, MSIM_EV_EFER, EFER_BOOT | EFER_NXE);
	ev1(s, MSIM_EV_CR3, space(0));
	for (unsigned n = 0; n < 64; n++) {
		uint64_t r = msim_gen_rng_next(&st);
		if (n == 32)
			ev1(s, MSIM_EV_CR0, CR0_BOOT & ~CR0_WP);
		acc(s, (unsigned)(r % 3), gva((unsigned)(r >> 8) % DATA_PAGES),
		    (r >> 16) & 1 ? 3 : 0, 0);
	}
	ev1(s, MSIM_EV_CR0, CR0_BOOT);
	ev1(s, MSIM_EV_EFER, EFER_BOOT);
}

/* Process switching with PCIDs, as Linux does once CR4.PCIDE is on: each
 * of 6 address spaces (more than current + 3 prev_roots) gets PCID k+1, and
 * CR3 bit 63 (no flush, SDM Vol. 3A 4.10.4.1) once that PCID is live. KVM
 * looks the root up in prev_roots by (pgd, role): the PCID is not part of
 * it (kvm_mmu_new_pgd()), and a no-flush switch keeps the old translations
 * tagged (kvm_set_cr3() skips the flush when bit 63 is set). Where CPUID
 * lacks PCID or the host refuses CR4.PCIDE, the recording shows the #GP. */
static void scen_pcid(msim_vmm_script *s, uint64_t seed)
{
	(void)seed;
	const unsigned K = 6;
	for (unsigned k = 0; k < K; k++)
		build_space(s, k, all_rw_user);
	/* CR4.PCIDE may be set only with CR3[11:0] = 0 (SDM 4.10.1) */
	ev1(s, MSIM_EV_CR3, space(0));
	note(s, "CR4.PCIDE=1");
	ev1(s, MSIM_EV_CR4, CR4_BOOT | CR4_PCIDE);
	for (unsigned round = 0; round < 3; round++)
		for (unsigned k = 0; k < K; k++) {
			ev1(s, MSIM_EV_CR3, space(k) | (k + 1) |
			    (round ? CR3_NOFLUSH : 0));
			acc(s, MSIM_ACC_READ, gva(k), 3, 0);
			acc(s, MSIM_ACC_WRITE, gva(k), 3, 0);
		}
	note(s, "CR4.PCIDE=0 (CR3 PCID 0 first)");
	ev1(s, MSIM_EV_CR3, space(0));
	ev1(s, MSIM_EV_CR4, CR4_BOOT);
	acc(s, MSIM_ACC_READ, gva(0), 3, 0);
}

const msim_vmm_scenario msim_vmm_scenarios[] = {
	{ "wp", "CR0.WP toggling, supervisor/user writes to r/o pages", scen_wp },
	{ "cr3rr", "CR3 round-robin over 5 (then 4) address spaces", scen_cr3rr },
	{ "cr4efer", "CR4.SMEP/SMAP/PGE and EFER.NXE toggles", scen_cr4efer },
	{ "pte", "guest PTE writes with/without INVLPG at CPL0 and CPL3", scen_pte },
	{ "ptwrite", "repeated writes to a shadowed page table", scen_ptwrite },
	{ "pcid", "6 address spaces switched with PCIDs and no-flush CR3 writes", scen_pcid },
	{ "random", "seeded random permission matrix (--seed)", scen_random },
	{ NULL, NULL, NULL },
};
