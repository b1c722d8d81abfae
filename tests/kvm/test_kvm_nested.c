/*
 * Nested VMX contexts and transition flushes per era (root_mmu/guest_mmu/nested_mmu (kvm_host.h), vmx_set_cr3()), and
 * the PAE-root exception on nested transitions (fast_pgd_switch(), the PAE-root / PGD-caching review of Paolo Bonzini's patch (Feb 9 2022)).
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

#define EPTP12 (0x77000ULL | 0x1e) /* WB, 4-level, no A/D */

static msim_kvm_vmentry l2_long(bool ept, bool vpid_en, uint16_t vpid)
{
	msim_kvm_vmentry e = { .ept = ept, .eptp = EPTP12, .vpid_en = vpid_en,
			       .vpid = vpid, .cr0 = CR0_LONG, .cr3 = PG('X'),
			       .cr4 = CR4_LONG, .efer = EFER_LONG };
	return e;
}

Test(kvm_nested, R7_5_guest_mmu_root_keyed_by_eptp12)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(true, true, 5);
	struct kvm_sp *r;

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	r = v->guest_mmu.root.sp;
	cr_assert_not_null(r);
	cr_assert_eq(r->gfn, 0x77);
	/* kvm_calc_shadow_ept_root_page_role(): level 4, access 7, guest_mode, ad_disabled (EPTP12[6]=0) */
	cr_assert_eq(r->role, 4u | (7u << 8) | (1u << 16) | (1u << 17));
	cr_assert(v->nested_walk);
	/* root_mmu is untouched: still L1's TDP root */
	cr_assert_not_null(v->root_mmu.root.sp);
	cr_assert_eq((v->root_mmu.root.sp->role >> 17) & 1, 0);
	kt_free(t);
}

Test(kvm_nested, R7_8_guest_mmu_keeps_roots_across_exit)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(true, true, 5);
	struct kvm_sp *r;

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	r = v->guest_mmu.root.sp;
	msim_kvm_on_vmexit(v, PG('H'));
	cr_assert_eq(v->mmu, &v->root_mmu);
	cr_assert_eq(v->guest_mmu.root.sp, r);
	{
		uint64_t h = kc(t, "kvm.root.cache_hit.cur");
		uint64_t l = kc(t, "kvm.mmu_load");

		msim_kvm_on_vmentry(v, &e);
		cr_assert_eq(v->guest_mmu.root.sp, r);
		cr_assert_eq(kc(t, "kvm.root.cache_hit.cur"), h + 1);
		cr_assert_eq(kc(t, "kvm.mmu_load"), l);
	}
	kt_free(t);
}

Test(kvm_nested, R7_1_l0_tdp_without_nested_ept_uses_gm_tdp_root)
{
	struct kt *t = kt_new("preset=6.4", 2);
	msim_kvm_vmentry e = l2_long(false, true, 5);

	for (unsigned i = 0; i < 2; i++) {
		msim_kvm_vcpu *v = kt_vcpu(t, i);

		kt_long(v, PG('H'));
		msim_kvm_on_vmentry(v, &e);
		cr_assert_eq((v->root_mmu.root.sp->role >> 17) & 1, 1);
	}
	/* one L2 TDP root, shared by both vCPUs (tdp_mmu.c) */
	cr_assert_eq(kt_vcpu(t, 0)->root_mmu.root.sp,
		     kt_vcpu(t, 1)->root_mmu.root.sp);
	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 2);
	kt_free(t);
}

/* nested_vmx_transition_tlb_flush() (~5.8-5.15): a new vpid12 -> direct INVVPID of vpid02 */
Test(kvm_nested, R7_10_vpid12_change_syncs_vpid02)
{
	struct kt *t = kt_new("preset=5.10", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(true, true, 5);
	uint64_t g;

	kt_long(v, PG('H'));
	g = kc(t, "kvm.flush.guest");
	msim_kvm_on_vmentry(v, &e);
	cr_assert_eq(kc(t, "kvm.flush.guest"), g); /* no FLUSH_GUEST */
	cr_assert_eq(t->kvm->cnt[KC_INVVPID_SINGLE] >= 1, 1);
	cr_assert_eq(v->last_vpid, 5);
	kt_free(t);
}

/* flush.all issued by one steady-state round trip */
static uint64_t all_per_round_trip(const char *policy, bool vpid_en)
{
	struct kt *t = kt_new(policy, 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(true, vpid_en, 5);
	uint64_t a;

	kt_long(v, PG('H'));
	for (int i = 0; i < 2; i++) {
		msim_kvm_on_vmentry(v, &e);
		msim_kvm_on_vmexit(v, PG('H'));
	}
	a = kc(t, "kvm.flush.all");
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	a = kc(t, "kvm.flush.all") - a;
	kt_free(t);
	return a;
}

/* nested_vmx_transition_tlb_flush() (~4.20-5.7): VPID off in vmcs12 -> KVM_REQ_TLB_FLUSH (all) */
Test(kvm_nested, R7_11_flush_all_without_vmcs12_vpid)
{
	const char *p = "preset=6.18-pvm,cpl0_emulated=0,kernel=5.4,mmu=legacy-tdp";

	cr_assert_eq(all_per_round_trip(p, false) - all_per_round_trip(p, true),
		     2);
}

/* vmx_set_cr3(): before 4.20 every transition flushed, whatever the VPID setup */
Test(kvm_nested, R7_12_pre_4_20_every_switch_flushes)
{
	cr_assert_geq(all_per_round_trip("preset=4.19", true), 2);
	cr_assert_eq(all_per_round_trip("preset=6.18-pvm,cpl0_emulated=0,mmu=legacy-tdp,"
					"nested_flush=every-switch", true), 2);
	cr_assert_eq(all_per_round_trip("preset=6.18-pvm,cpl0_emulated=0,mmu=legacy-tdp", true),
		     0);
}

/* ------------------------------------------------- PAE L2 (the PAE-root / PGD-caching review of Paolo Bonzini's patch (Feb 9 2022)) */

#define PDPT_X 0x30000ULL

static void pae_tables(struct kt *t)
{
	for (unsigned i = 0; i < 4; i++)
		msim_gmem_write(t->mem, PDPT_X + 8 * i, 8,
				(0x40000 + 0x1000 * i) | MSIM_PTE_P);
}

static msim_kvm_vmentry l2_pae(void)
{
	msim_kvm_vmentry e = { .vpid_en = true, .vpid = 5,
			       .cr0 = MSIM_CR0_PG | MSIM_CR0_PE | MSIM_CR0_WP,
			       .cr3 = PDPT_X, .cr4 = MSIM_CR4_PAE,
			       .efer = MSIM_EFER_NXE };
	return e;
}

/* how L1's root H comes back on VM exit: cached (prev_roots) or hash */
static void pae_round_trip(const char *policy, uint64_t *cached,
			   uint64_t *found)
{
	struct kt *t = kt_new(policy, 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_pae();
	uint64_t c0, f0;

	pae_tables(t);
	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	cr_assert(v->root_mmu.root.sp->special);
	c0 = kc(t, "kvm.root.cache_hit.prev");
	f0 = kc(t, "kvm.root.found");
	msim_kvm_on_vmexit(v, PG('H'));
	cr_assert_eq(v->root_mmu.root.pgd, PG('H'));
	*cached = kc(t, "kvm.root.cache_hit.prev") - c0;
	*found = kc(t, "kvm.root.found") - f0;
	kt_free(t);
}

Test(kvm_nested, R2_11_pae_root_freed_then_cache_hit_v5_18)
{
	uint64_t cached, found;

	pae_round_trip("preset=6.18-pvm,cpl0_emulated=0", &cached, &found);
	cr_assert_eq(cached, 1);
	cr_assert_eq(found, 0);
}

Test(kvm_nested, R2_13_pre_5_18_pae_root_blocks_cache)
{
	uint64_t cached, found;

	pae_round_trip("preset=6.18-pvm,cpl0_emulated=0,kernel=5.15", &cached, &found);
	cr_assert_eq(cached, 0);
	cr_assert_eq(found, 1); /* H reloaded from the hash */
}

Test(kvm_nested, seed002_free_early_policy_pre_5_18)
{
	uint64_t cached, found;

	pae_round_trip("preset=6.18-pvm,cpl0_emulated=0,kernel=5.15,pae_free_early=1", &cached,
		       &found);
	cr_assert_eq(cached, 1);
	cr_assert_eq(found, 0);
}

/* load_pdptrs(): a PAE guest's same-CR3 write with changed PDPTEs frees the root */
Test(kvm_nested, R3_12_pdpte_change_frees_current_root)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct kvm_sp *old;
	uint64_t created;

	pae_tables(t);
	msim_kvm_on_sregs(v, MSIM_CR0_PG | MSIM_CR0_PE | MSIM_CR0_WP, PDPT_X,
			  MSIM_CR4_PAE, MSIM_EFER_NXE);
	msim_kvm_before_entry(v);
	old = v->root_mmu.root.sp->pae[0];
	created = kc(t, "kvm.root.created");
	msim_kvm_on_cr3(v, PDPT_X, PDPT_X); /* PDPTEs unchanged: keep */
	cr_assert_eq(v->root_mmu.root.sp->pae[0], old);
	msim_gmem_write(t->mem, PDPT_X, 8, 0x90000 | MSIM_PTE_P);
	msim_kvm_on_cr3(v, PDPT_X, PDPT_X);
	cr_assert_eq(v->root_mmu.root.sp->pae[0]->gfn, 0x90);
	cr_assert_eq(kc(t, "kvm.root.created"), created + 1);
	kt_free(t);
}

/* kvm_init_shadow_npt_mmu(), nested_svm_load_cr3(): nested NPT roots depend on L1's CR0.WP and EFER.NX */
Test(kvm_nested, R1_15_nested_npt_role_from_l1)
{
	struct kt *t = kt_new("preset=6.4,vendor=amd", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(true, false, 0);
	uint32_t w;

	e.eptp = 0x55000; /* nCR3 */
	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	cr_assert_eq(v->mmu, &v->guest_mmu);
	cr_assert_eq(v->guest_mmu.root.sp->gfn, 0x55);
	w = v->guest_mmu.root.sp->role;
	/* L1 64-bit, WP=1, NX=1: level 4, access 7, nx, wp, guest_mode */
	cr_assert_eq(w, 4u | (7u << 8) | (1u << 12) | (1u << 13) | (1u << 17));
	msim_kvm_on_vmexit(v, PG('H'));
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP); /* SVM exits */
	msim_kvm_on_vmentry(v, &e);
	cr_assert_eq(v->guest_mmu.root.sp->role, w & ~(1u << 13));
	kt_free(t);
}

/*
 * nested_vmx_transition_tlb_flush() as read in a ~5.8-5.15 nested.c: vmcs12 without VPID requests
 * KVM_REQ_TLB_FLUSH (all contexts) on entry and exit; from ~5.16 it is
 * FLUSH_GUEST instead (E3b), and L0 without VPID skips it all in 5.8-5.15.
 */
Test(kvm_nested, R7_10_no_vmcs12_vpid_flushes_all_5_10)
{
	cr_assert_eq(all_per_round_trip("preset=5.10", false), 2);
	cr_assert_eq(all_per_round_trip("preset=5.18", false), 0);
	cr_assert_eq(all_per_round_trip("preset=5.10,vpid=0", false), 0);
}

/* nested_vmx_restore_host_state(): a late VM-entry failure restores L1 and resets the MMU */
Test(kvm_nested, R3_30_vmfail_resets)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = l2_long(false, true, 5);
	uint64_t r;

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	r = kc(t, "kvm.reset_context");
	msim_kvm_on_vmfail(v);
	cr_assert_eq(kc(t, "kvm.reset_context"), r + 1);
	cr_assert_not(v->guest_mode);
	cr_assert_str_eq(kt_state(v), "H | - - -");
	kt_free(t);
}
