/*
 * Role words (union kvm_mmu_page_role (kvm_host.h), kvm_mmu_role_regs and the role calculators (mmu.c)), computed from register states. Expected words
 * are assembled from the bit positions of union kvm_mmu_page_role.
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

#define B_LEVEL(l) ((uint32_t)(l))
#define B_GPTE (1u << 4)
#define B_DIRECT (1u << 7)
#define B_ACC7 (7u << 8)
#define B_NX (1u << 12)
#define B_WP (1u << 13)
#define B_SMEP (1u << 14)
#define B_SMAP (1u << 15)
#define B_ADDIS (1u << 16)
#define B_GUEST (1u << 17)
#define B_SMM (1u << 24)

static uint32_t root_word(const char *policy, uint64_t cr0, uint64_t cr4,
			  uint64_t efer, bool smm, bool gm)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_kvm_cpu_role cpu;
	msim_kvm_role r;

	cr_assert_eq(msim_kvm_opts_parse(&o, policy), 0);
	msim_kvm_calc_cpu_role(cr0, cr4, efer, smm, gm, &cpu);
	msim_kvm_calc_root_role(&o, &cpu, &r);
	return msim_kvm_role_word(&r, o.kernel);
}

/* The brief's example: v5.18+ shadow, 64-bit, CR0.WP=1 */
Test(kvm_roles, R1_12_shadow_64bit_wp1_v5_18)
{
	uint32_t w = root_word("preset=5.18,mmu=shadow", CR0_LONG, CR4_LONG,
			       EFER_LONG, false, false);

	cr_assert_eq(w, 0x3704u); /* level 4 | access 7 | efer_nx | cr0_wp */
	cr_assert_eq(w, B_LEVEL(4) | B_ACC7 | B_NX | B_WP);
}

Test(kvm_roles, R1_13_shadow_nx_follows_guest_before_5_18)
{
	/* gpte_is_8_bytes=1 in the old layout (union kvm_mmu_page_role (kvm_host.h)); NX from EFER.NX */
	cr_assert_eq(root_word("kernel=5.10,mmu=shadow", CR0_LONG, CR4_LONG,
			       MSIM_EFER_LME | MSIM_EFER_LMA, false, false),
		     B_LEVEL(4) | B_GPTE | B_ACC7 | B_WP);
	cr_assert_eq(root_word("kernel=5.18,mmu=shadow", CR0_LONG, CR4_LONG,
			       MSIM_EFER_LME | MSIM_EFER_LMA, false, false),
		     B_LEVEL(4) | B_ACC7 | B_NX | B_WP);
}

Test(kvm_roles, R1_10_tdp_role_has_no_guest_bits)
{
	uint32_t wp1 = root_word("preset=5.18", CR0_LONG, CR4_LONG, EFER_LONG,
				 false, false);
	uint32_t wp0 = root_word("preset=5.18", CR0_LONG & ~MSIM_CR0_WP,
				 CR4_LONG, 0, false, false);
	uint32_t off = root_word("preset=5.18", 0, 0, 0, false, false);

	cr_assert_eq(wp1, B_LEVEL(4) | B_DIRECT | B_ACC7 | B_NX | B_WP);
	cr_assert_eq(wp0, wp1);
	cr_assert_eq(off, wp1);
	cr_assert_eq(root_word("preset=5.18,ept_ad=0", CR0_LONG, CR4_LONG,
			       EFER_LONG, false, false), wp1 | B_ADDIS);
	cr_assert_eq(root_word("preset=5.18,tdp_level=5", CR0_LONG, CR4_LONG,
			       EFER_LONG, false, false),
		     (wp1 & ~0xfu) | B_LEVEL(5));
}

Test(kvm_roles, R1_11_tdp_role_carries_wp_nx_before_5_18)
{
	uint32_t wp1 = root_word("preset=5.10", CR0_LONG, CR4_LONG, EFER_LONG,
				 false, false);
	uint32_t wp0 = root_word("preset=5.10", CR0_LONG & ~MSIM_CR0_WP,
				 CR4_LONG, EFER_LONG, false, false);

	cr_assert_eq(wp1, B_LEVEL(4) | B_GPTE | B_DIRECT | B_ACC7 | B_NX | B_WP);
	cr_assert_eq(wp0, wp1 & ~B_WP);
}

Test(kvm_roles, R1_8_paging_off_cpu_role)
{
	msim_kvm_cpu_role c;

	msim_kvm_calc_cpu_role(0x60000010ULL, 0, 0, false, false, &c);
	cr_assert_eq(msim_kvm_role_word(&c.base, 518), B_DIRECT | B_ACC7);
	msim_kvm_calc_cpu_role(0x60000010ULL, 0, 0, true, false, &c);
	cr_assert_eq(msim_kvm_role_word(&c.base, 518),
		     B_DIRECT | B_ACC7 | B_SMM);
	cr_assert_eq(c.ext.valid, 1);
	cr_assert_eq(c.ext.efer_lma, 0);
}

Test(kvm_roles, R1_9_levels_and_gpte_size)
{
	msim_kvm_cpu_role c;

	msim_kvm_calc_cpu_role(MSIM_CR0_PG | MSIM_CR0_PE, 0, 0, 0, 0, &c);
	cr_assert_eq(c.base.level, 2);
	cr_assert_eq(c.base.has_4_byte_gpte, 1);
	msim_kvm_calc_cpu_role(MSIM_CR0_PG | MSIM_CR0_PE, MSIM_CR4_PAE, 0, 0, 0, &c);
	cr_assert_eq(c.base.level, 3);
	cr_assert_eq(c.base.has_4_byte_gpte, 0);
	msim_kvm_calc_cpu_role(CR0_LONG, CR4_LONG | MSIM_CR4_LA57, EFER_LONG, 0, 0,
			       &c);
	cr_assert_eq(c.base.level, 5);
	cr_assert_eq(c.ext.cr4_la57, 1);
	cr_assert_eq(c.ext.efer_lma, 1);
}

Test(kvm_roles, R1_12_shadow_root_level_at_least_3)
{
	/* 32-bit guest: level 2 -> shadow level 3, has_4_byte_gpte kept */
	cr_assert_eq(root_word("preset=6.18-pvm,cpl0_emulated=0", MSIM_CR0_PG | MSIM_CR0_PE |
			       MSIM_CR0_WP, 0, 0, false, false),
		     B_LEVEL(3) | B_GPTE | B_ACC7 | B_NX | B_WP);
}

Test(kvm_roles, R1_9_smep_smap_andnot_wp)
{
	uint64_t cr4 = CR4_LONG | MSIM_CR4_SMEP | MSIM_CR4_SMAP;

	cr_assert_eq(root_word("preset=6.18-pvm,cpl0_emulated=0", CR0_LONG & ~MSIM_CR0_WP, cr4,
			       EFER_LONG, false, false),
		     B_LEVEL(4) | B_ACC7 | B_NX | B_SMEP | B_SMAP);
	cr_assert_eq(root_word("preset=6.18-pvm,cpl0_emulated=0", CR0_LONG, cr4, EFER_LONG,
			       false, false),
		     B_LEVEL(4) | B_ACC7 | B_NX | B_WP);
}

Test(kvm_roles, R3_26_smm_and_guest_mode_bits)
{
	cr_assert_eq(root_word("preset=6.4", CR0_LONG, CR4_LONG, EFER_LONG,
			       true, false),
		     B_LEVEL(4) | B_DIRECT | B_ACC7 | B_NX | B_WP | B_SMM);
	cr_assert_eq(root_word("preset=6.4", CR0_LONG, CR4_LONG, EFER_LONG,
			       false, true),
		     B_LEVEL(4) | B_DIRECT | B_ACC7 | B_NX | B_WP | B_GUEST);
}

Test(kvm_roles, R1_14_nested_ept_role)
{
	msim_kvm_cpu_role c;

	msim_kvm_calc_nested_ept_role(4, true, true, &c);
	cr_assert_eq(msim_kvm_role_word(&c.base, 604),
		     B_LEVEL(4) | B_ACC7 | B_GUEST);
	cr_assert_eq(c.ext.execonly, 1);
	msim_kvm_calc_nested_ept_role(5, false, false, &c);
	cr_assert_eq(msim_kvm_role_word(&c.base, 604),
		     B_LEVEL(5) | B_ACC7 | B_GUEST | B_ADDIS);
}

Test(kvm_roles, R1_2_decode_roundtrip_both_layouts)
{
	msim_kvm_role r = { .level = 2, .has_4_byte_gpte = 1, .quadrant = 3,
			    .direct = 0, .access = 5, .cr0_wp = 1,
			    .passthrough = 1, .smm = 1 };
	msim_kvm_role d;

	msim_kvm_role_decode(msim_kvm_role_word(&r, 604), 604, &d);
	cr_assert_eq(memcmp(&r, &d, sizeof(r)), 0);
	/* passthrough does not exist before 5.19 */
	cr_assert_eq(msim_kvm_role_word(&r, 518) & (1u << 18), 0);
	cr_assert_eq(msim_kvm_role_word(&r, 519) & (1u << 18), 1u << 18);
	/* gpte bit inverted in the old layout */
	cr_assert_eq(msim_kvm_role_word(&r, 510) & B_GPTE, 0);
}

Test(kvm_roles, R1_17_R1_19_register_masks_per_era)
{
	cr_assert_eq(msim_kvm_cr0_role_bits(604), MSIM_CR0_PG | MSIM_CR0_WP);
	cr_assert(msim_kvm_cr4_role_bits(513) & MSIM_CR4_PGE);
	cr_assert_not(msim_kvm_cr4_role_bits(513) & MSIM_CR4_LA57);
	cr_assert(msim_kvm_cr4_role_bits(515) & MSIM_CR4_PGE);
	cr_assert(msim_kvm_cr4_role_bits(515) & MSIM_CR4_LA57);
	cr_assert_eq(msim_kvm_cr4_role_bits(516),
		     MSIM_CR4_PSE | MSIM_CR4_PAE | MSIM_CR4_LA57 |
			     MSIM_CR4_SMEP | MSIM_CR4_SMAP | MSIM_CR4_PKE);
	cr_assert_eq(msim_kvm_efer_role_bits(514), MSIM_EFER_LME | MSIM_EFER_NXE);
	cr_assert_eq(msim_kvm_efer_role_bits(513), MSIM_EFER_NXE);
}

/* kvm_mmu_role_regs and the role calculators (mmu.c): >= 6.4 a VM uses at most 3 TDP roots per level (plain/SMM/L2) */
Test(kvm_roles, R1_21_tdp_root_roles_per_vm)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = false, .vpid_en = true, .vpid = 5,
			       .cr0 = CR0_LONG, .cr3 = PG('X'), .cr4 = CR4_LONG,
			       .efer = EFER_LONG };

	kt_long(v, PG('A'));
	for (int i = 0; i < 3; i++) {
		msim_kvm_on_smi(v);
		msim_kvm_on_rsm(v);
		msim_kvm_on_vmentry(v, &e);
		msim_kvm_on_vmexit(v, PG('A'));
	}
	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 3);
	kt_free(t);
}
