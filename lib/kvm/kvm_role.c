/*
 * KVM page roles and CPU roles ( union kvm_mmu_page_role (kvm_host.h), kvm_mmu_role_regs and the role calculators (mmu.c)).
 * Pure functions: registers in, role words out.
 * SPDX-License-Identifier: MIT
 */
#include "base/internal.h"
#include "mmu_sim/kvm.h"

/*
 * Bit positions of union kvm_mmu_page_role as GCC lays it out on x86
 * (kvm_host.h ~v5.10 and ~v6.10, union kvm_mmu_page_role (kvm_host.h)). Both layouts share every
 * position; only bit 4 changes meaning (gpte_is_8_bytes -> has_4_byte_gpte
 * in 5.18) and bit 18 becomes passthrough (~5.19).
 */
#define RB_LEVEL 0
#define RB_GPTE 4
#define RB_QUADRANT 5
#define RB_DIRECT 7
#define RB_ACCESS 8
#define RB_INVALID 11
#define RB_NX 12
#define RB_WP 13
#define RB_SMEP 14
#define RB_SMAP 15
#define RB_AD_DIS 16
#define RB_GUEST 17
#define RB_PASSTHROUGH 18
#define RB_SMM 24

uint32_t msim_kvm_role_word(const msim_kvm_role *r, unsigned kernel)
{
	uint32_t w = 0;
	unsigned gpte = kernel >= 518 ? r->has_4_byte_gpte : !r->has_4_byte_gpte;

	w |= (uint32_t)(r->level & 0xf) << RB_LEVEL;
	w |= (uint32_t)(gpte & 1) << RB_GPTE;
	w |= (uint32_t)(r->quadrant & 3) << RB_QUADRANT;
	w |= (uint32_t)(r->direct & 1) << RB_DIRECT;
	w |= (uint32_t)(r->access & 7) << RB_ACCESS;
	w |= (uint32_t)(r->invalid & 1) << RB_INVALID;
	w |= (uint32_t)(r->efer_nx & 1) << RB_NX;
	w |= (uint32_t)(r->cr0_wp & 1) << RB_WP;
	w |= (uint32_t)(r->smep_andnot_wp & 1) << RB_SMEP;
	w |= (uint32_t)(r->smap_andnot_wp & 1) << RB_SMAP;
	w |= (uint32_t)(r->ad_disabled & 1) << RB_AD_DIS;
	w |= (uint32_t)(r->guest_mode & 1) << RB_GUEST;
	if (kernel >= 519)
		w |= (uint32_t)(r->passthrough & 1) << RB_PASSTHROUGH;
	w |= (uint32_t)r->smm << RB_SMM;
	return w;
}

void msim_kvm_role_decode(uint32_t w, unsigned kernel, msim_kvm_role *r)
{
	unsigned gpte = (w >> RB_GPTE) & 1;

	r->level = (w >> RB_LEVEL) & 0xf;
	r->has_4_byte_gpte = kernel >= 518 ? gpte : !gpte;
	r->quadrant = (w >> RB_QUADRANT) & 3;
	r->direct = (w >> RB_DIRECT) & 1;
	r->access = (w >> RB_ACCESS) & 7;
	r->invalid = (w >> RB_INVALID) & 1;
	r->efer_nx = (w >> RB_NX) & 1;
	r->cr0_wp = (w >> RB_WP) & 1;
	r->smep_andnot_wp = (w >> RB_SMEP) & 1;
	r->smap_andnot_wp = (w >> RB_SMAP) & 1;
	r->ad_disabled = (w >> RB_AD_DIS) & 1;
	r->guest_mode = (w >> RB_GUEST) & 1;
	r->passthrough = kernel >= 519 ? (w >> RB_PASSTHROUGH) & 1 : 0;
	r->smm = (uint8_t)(w >> RB_SMM);
}

uint64_t msim_kvm_cpu_role_u64(const msim_kvm_cpu_role *r, unsigned kernel)
{
	const msim_kvm_ext_role *e = &r->ext;
	/* ext bit order of union kvm_mmu_extended_role, >= 5.18 (union kvm_mmu_extended_role (kvm_host.h)) */
	uint64_t ext = (uint64_t)e->valid | (uint64_t)e->execonly << 1 |
		       (uint64_t)e->cr4_pse << 2 | (uint64_t)e->cr4_pke << 3 |
		       (uint64_t)e->cr4_smap << 4 | (uint64_t)e->cr4_smep << 5 |
		       (uint64_t)e->cr4_la57 << 6 | (uint64_t)e->efer_lma << 7;

	return msim_kvm_role_word(&r->base, kernel) | ext << 32;
}

void msim_kvm_calc_cpu_role(uint64_t cr0, uint64_t cr4, uint64_t efer,
			    bool smm, bool guest_mode, msim_kvm_cpu_role *out)
{
	msim_kvm_role *b = &out->base;
	msim_kvm_ext_role *e = &out->ext;
	bool wp = cr0 & MSIM_CR0_WP, lma = efer & MSIM_EFER_LMA;

	*out = (msim_kvm_cpu_role){ 0 };
	/* kvm_calc_cpu_role() */
	b->access = 7;
	b->smm = smm;
	b->guest_mode = guest_mode;
	e->valid = 1;
	/* kvm_calc_cpu_role(): paging off is a direct (identity) mapping */
	if (!(cr0 & MSIM_CR0_PG)) {
		b->direct = 1;
		return;
	}
	/* kvm_calc_cpu_role() */
	b->efer_nx = !!(efer & MSIM_EFER_NXE);
	b->cr0_wp = wp;
	b->smep_andnot_wp = (cr4 & MSIM_CR4_SMEP) && !wp;
	b->smap_andnot_wp = (cr4 & MSIM_CR4_SMAP) && !wp;
	b->has_4_byte_gpte = !(cr4 & MSIM_CR4_PAE);
	if (lma)
		b->level = (cr4 & MSIM_CR4_LA57) ? 5 : 4;
	else
		b->level = (cr4 & MSIM_CR4_PAE) ? 3 : 2;
	e->cr4_smep = !!(cr4 & MSIM_CR4_SMEP);
	e->cr4_smap = !!(cr4 & MSIM_CR4_SMAP);
	e->cr4_pse = !!(cr4 & MSIM_CR4_PSE);
	e->cr4_pke = lma && (cr4 & MSIM_CR4_PKE);
	e->cr4_la57 = lma && (cr4 & MSIM_CR4_LA57);
	e->efer_lma = lma;
}

void msim_kvm_calc_root_role(const msim_kvm_opts *o,
			     const msim_kvm_cpu_role *cpu, msim_kvm_role *out)
{
	const msim_kvm_role *b = &cpu->base;

	if (o->mmu != MSIM_KVM_MMU_SHADOW) {
		*out = (msim_kvm_role){ 0 };
		out->access = 7;
		out->direct = 1;
		out->level = (uint8_t)(o->tdp_level == 5 ? 5 : 4);
		out->smm = b->smm;
		out->guest_mode = b->guest_mode;
		out->ad_disabled = !o->ept_ad;
		if (o->kernel >= 518) {
			/* kvm_calc_tdp_mmu_root_page_role(): constants, no guest CR0/CR4/EFER bit */
			out->cr0_wp = 1;
			out->efer_nx = 1;
		} else {
			/*
			 * kvm_calc_mmu_role_common(): kvm_calc_mmu_role_common copied guest CR0.WP
			 * and EFER.NX into the TDP role (paging off: 0).
			 */
			out->cr0_wp = b->cr0_wp;
			out->efer_nx = b->efer_nx;
		}
		return;
	}
	/* kvm_init_shadow_mmu(): shadow roots are PAE or wider; NX forced on from 5.18 */
	*out = *b;
	if (out->level < 3)
		out->level = 3;
	if (o->kernel >= 518)
		out->efer_nx = 1;
	/* paging off: direct, level 3, so four PAE direct roots (make_mmu_pages_available()) */
}

void msim_kvm_calc_nested_ept_role(unsigned ept_level, bool ad, bool execonly,
				   msim_kvm_cpu_role *out)
{
	/* kvm_calc_shadow_ept_root_page_role(): L1's CR0/CR4/EFER play no part; never SMM */
	*out = (msim_kvm_cpu_role){ 0 };
	out->base.level = (uint8_t)ept_level;
	out->base.ad_disabled = !ad;
	out->base.guest_mode = 1;
	out->base.access = 7;
	out->ext.valid = 1;
	out->ext.execonly = execonly;
}

uint64_t msim_kvm_cr0_role_bits(unsigned kernel)
{
	(void)kernel; /* KVM_MMU_CR0_ROLE_BITS (mmu.h), kvm_mmu_reset_context(): PG|WP in every era */
	return MSIM_CR0_PG | MSIM_CR0_WP;
}

uint64_t msim_kvm_cr4_role_bits(unsigned kernel)
{
	uint64_t base = MSIM_CR4_PSE | MSIM_CR4_PAE | MSIM_CR4_SMEP |
			MSIM_CR4_SMAP | MSIM_CR4_PKE;

	/* KVM_MMU_CR4_ROLE_BITS (mmu.h) */
	if (kernel >= 516)
		return base | MSIM_CR4_LA57;
	if (kernel >= 514)
		return base | MSIM_CR4_LA57 | MSIM_CR4_PGE;
	return base | MSIM_CR4_PGE;
}

uint64_t msim_kvm_efer_role_bits(unsigned kernel)
{
	/* KVM_MMU_EFER_ROLE_BITS (mmu.h), set_efer() (NX only before ~5.14, UNVERIFIED in spec) */
	return kernel >= 514 ? (MSIM_EFER_LME | MSIM_EFER_NXE) : MSIM_EFER_NXE;
}
