/*
 * Control-register writes, resets and flush kinds (kvm_set_cr0/3/4(), kvm_mmu_reset_context(), the KVM_REQ_* flushes, handle_invept()/handle_invvpid()).
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

#define PCID(c, p) (PG(c) | (p))
#define NOFLUSH (1ULL << 63)

Test(kvm_cr, R3_6_R3_7_pg_clear_resets_and_flushes_guest)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t g;

	kt_long(v, PG('A'));
	g = kc(t, "kvm.flush.guest");
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_PG);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2); /* sregs + this */
	cr_assert_eq(kc(t, "kvm.flush.guest"), g + 1);
	cr_assert_eq(v->efer & MSIM_EFER_LMA, 0);
	kt_free(t);
}

Test(kvm_cr, R3_7_non_role_cr0_bit_no_reset)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG | (1ULL << 30)); /* CD */
	cr_assert_eq(kc(t, "kvm.reset_context"), 1);
	kt_free(t);
}

Test(kvm_cr, R3_5_wp_with_other_bit_takes_reset_path)
{
	struct kt *t = kt_new("preset=6.4,vendor=amd", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG ^ (MSIM_CR0_WP | (1ULL << 3)));
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	kt_free(t);
}

Test(kvm_cr, R3_5_wp_only_shadow_6_4_still_resets)
{
	struct kt *t = kt_new("preset=6.4,mmu=shadow", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG ^ MSIM_CR0_WP);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	kt_free(t);
}

/* kvm_set_cr3() + kvm_set_cr3(): PCID, the no-flush bit and prev roots of the same PCID */
Test(kvm_cr, R3_14_flushing_cr3_frees_prev_roots_with_pcid)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t fc;

	msim_kvm_on_sregs(v, CR0_LONG, PCID('A', 1), CR4_LONG | MSIM_CR4_PCIDE,
			  EFER_LONG);
	msim_kvm_before_entry(v);
	msim_kvm_on_cr3(v, 0, PCID('B', 2) | NOFLUSH);
	msim_kvm_on_cr3(v, 0, PCID('C', 1) | NOFLUSH);
	cr_assert_eq(v->root_mmu.prev[0].pgd, PCID('B', 2));
	cr_assert_eq(v->root_mmu.prev[1].pgd, PCID('A', 1));
	fc = kc(t, "kvm.flush.current");
	/* flushing switch to D with PCID 1: A (PCID 1) must go */
	msim_kvm_on_cr3(v, 0, PCID('D', 1));
	cr_assert_eq(v->root_mmu.prev[0].pgd, PCID('C', 1));
	cr_assert_null(v->root_mmu.prev[0].sp); /* C carries PCID 1 too */
	cr_assert_not_null(v->root_mmu.prev[1].sp);
	cr_assert_eq(v->root_mmu.prev[1].pgd, PCID('B', 2));
	cr_assert_null(v->root_mmu.prev[2].sp);
	cr_assert_eq(kc(t, "kvm.flush.current"), fc + 1);
	kt_free(t);
}

Test(kvm_cr, R3_10_noflush_bit_skips_sync_and_flush)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t fc, s;

	msim_kvm_on_sregs(v, CR0_LONG, PCID('A', 1), CR4_LONG | MSIM_CR4_PCIDE,
			  EFER_LONG);
	msim_kvm_before_entry(v);
	msim_kvm_on_cr3(v, 0, PCID('B', 2) | NOFLUSH);
	fc = kc(t, "kvm.flush.current");
	s = kc(t, "kvm.sync_roots");
	msim_kvm_on_cr3(v, 0, PCID('A', 1) | NOFLUSH); /* hit, no flush */
	cr_assert_eq(kc(t, "kvm.flush.current"), fc);
	cr_assert_eq(kc(t, "kvm.sync_roots"), s);
	cr_assert_eq(v->cr3, PCID('A', 1));
	kt_free(t);
}

Test(kvm_cr, R3_16_old_kernels_keep_same_pcid_prev_roots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=5.15", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	msim_kvm_on_sregs(v, CR0_LONG, PCID('A', 1), CR4_LONG | MSIM_CR4_PCIDE,
			  EFER_LONG);
	msim_kvm_before_entry(v);
	msim_kvm_on_cr3(v, 0, PCID('B', 2) | NOFLUSH);
	msim_kvm_on_cr3(v, 0, PCID('C', 1));
	cr_assert_not_null(v->root_mmu.prev[1].sp); /* A survives */
	kt_free(t);
}

Test(kvm_cr, R3_17_pcide_set_unloads_under_shadow)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t u;

	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	u = kc(t, "kvm.unload");
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG | MSIM_CR4_PCIDE);
	cr_assert_eq(kc(t, "kvm.unload"), u + 1);
	cr_assert_eq(kc(t, "kvm.reset_context"), 1); /* PCIDE is no role bit */
	cr_assert_str_eq(kt_state(v), "B | - - -");
	kt_free(t);
}

Test(kvm_cr, R3_17_pge_toggle_flushes_guest_only)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t g, c;

	kt_long(v, PG('A'));
	g = kc(t, "kvm.flush.guest");
	c = kc(t, "kvm.flush.current");
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG & ~MSIM_CR4_PGE);
	cr_assert_eq(kc(t, "kvm.flush.guest"), g + 1);
	cr_assert_eq(kc(t, "kvm.flush.current"), c);
	cr_assert_eq(kc(t, "kvm.reset_context"), 1);
	kt_free(t);
}

Test(kvm_cr, R3_17_smep_set_resets_and_flushes_current)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t c;

	kt_long(v, PG('A'));
	c = kc(t, "kvm.flush.current");
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG | MSIM_CR4_SMEP);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	/*
	 * FLUSH_CURRENT is serviced while the reset left no valid root, so
	 * it does nothing (kvm_vcpu_flush_tlb_current()); the reload then flushes once (kvm_mmu_load()).
	 */
	cr_assert_eq(kc(t, "kvm.flush.current"), c + 1);
	kt_free(t);
}

Test(kvm_cr, R3_18_pcide_change_reloads_5_16)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=5.16", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t u;

	kt_long(v, PG('A'));
	u = kc(t, "kvm.unload");
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG | MSIM_CR4_PCIDE);
	cr_assert_eq(kc(t, "kvm.unload"), u + 1);
	kt_free(t);
}

Test(kvm_cr, R3_19_pge_is_role_bit_5_15)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=5.15", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG & ~MSIM_CR4_PGE);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	kt_free(t);
}

Test(kvm_cr, R3_21_efer_nx_resets)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_efer(v, EFER_LONG, EFER_LONG & ~MSIM_EFER_NXE);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	msim_kvm_on_efer(v, v->efer, v->efer); /* no change */
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	kt_free(t);
}

Test(kvm_cr, R3_27_init_with_paging)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t g;

	kt_long(v, PG('A'));
	g = kc(t, "kvm.flush.guest");
	msim_kvm_on_init(v);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	cr_assert_eq(kc(t, "kvm.flush.guest"), g + 1); /* both requests coalesce */
	cr_assert_eq(v->cr0, 0x60000010ULL);
	kt_free(t);
}

Test(kvm_cr, R3_28_cpuid_forces_reinit)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t i;

	kt_long(v, PG('A'));
	i = kc(t, "kvm.init_mmu");
	msim_kvm_on_cpuid(v);
	cr_assert_eq(kc(t, "kvm.init_mmu"), i + 1); /* same regs, re-inited */
	cr_assert_null(v->root_mmu.root.sp);
	kt_free(t);
}

Test(kvm_cr, R3_29_sregs_unchanged_no_reset)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_sregs(v, CR0_LONG, PG('A'), CR4_LONG, EFER_LONG);
	cr_assert_eq(kc(t, "kvm.reset_context"), 1);
	msim_kvm_on_sregs(v, CR0_LONG, PG('B'), CR4_LONG, EFER_LONG);
	cr_assert_eq(kc(t, "kvm.reset_context"), 2);
	kt_free(t);
}

Test(kvm_cr, R6_10_invpcid_all_contexts)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t g, u;

	kt_long(v, PG('A'));
	g = kc(t, "kvm.flush.guest");
	msim_kvm_on_invpcid(v, 2, 0, 0);
	cr_assert_eq(kc(t, "kvm.flush.guest"), g + 1);
	kt_free(t);
	t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=5.13", 1);
	v = kt_vcpu(t, 0);
	kt_long(v, PG('A'));
	u = kc(t, "kvm.unload");
	msim_kvm_on_invpcid(v, 3, 0, 0);
	cr_assert_eq(kc(t, "kvm.unload"), u + 1);
	kt_free(t);
}

Test(kvm_cr, R6_10_invpcid_single_other_pcid)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t c;

	msim_kvm_on_sregs(v, CR0_LONG, PCID('A', 1), CR4_LONG | MSIM_CR4_PCIDE,
			  EFER_LONG);
	msim_kvm_before_entry(v);
	msim_kvm_on_cr3(v, 0, PCID('B', 2) | NOFLUSH);
	c = kc(t, "kvm.flush.current");
	msim_kvm_on_invpcid(v, 1, 1, 0); /* PCID 1 is not active */
	cr_assert_eq(kc(t, "kvm.flush.current"), c);
	cr_assert_null(v->root_mmu.prev[0].sp); /* A/PCID 1 freed */
	cr_assert_not_null(v->root_mmu.root.sp);
	kt_free(t);
}

Test(kvm_cr, R6_9_invlpg_not_intercepted_under_tdp)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t e;

	kt_long(v, PG('A'));
	e = kc(t, "kvm.exit");
	msim_kvm_on_invlpg(v, 0x1000);
	cr_assert_eq(kc(t, "kvm.exit"), e);
	kt_free(t);
}

Test(kvm_cr, R6_4_guest_flush_frees_unsync_prev_roots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct kvm_sp *b;

	kt_long(v, PG('B'));
	msim_kvm_on_cr3(v, PG('B'), PG('A'));
	b = v->root_mmu.prev[0].sp;
	b->unsync = true; /* as if a page under B went unsync */
	t->kvm->n_unsync++;
	kvm_flush_tlb_guest(v);
	cr_assert_null(v->root_mmu.prev[0].sp);
	cr_assert_not_null(v->root_mmu.root.sp);
	kt_free(t);
}

Test(kvm_cr, R6_5_tdp_flush_current_is_invept_single)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct kvm_sp *r;

	kt_long(v, PG('A'));
	r = v->root_mmu.root.sp;
	cr_assert_eq(t->last.op, MSIM_KVM_TLB_INVEPT_SINGLE);
	cr_assert_eq(t->last.eptp, r->hpa | 6 | (3 << 3) | (1 << 6));
	kt_free(t);
}

Test(kvm_cr, R6_5_current_vpid_6_12_vs_6_11)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	v->guest_mode = true;
	v->vpid12_en = false;
	cr_assert_eq(kvm_current_vpid(v), v->vpid01);
	t->kvm->o.kernel = 611;
	cr_assert_eq(kvm_current_vpid(v), v->vpid02);
	kt_free(t);
}

Test(kvm_cr, R7_13_invept_single_frees_matching_guest_roots)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = true, .eptp = 0x77000 | 0x1e,
			       .vpid_en = true, .vpid = 5, .cr0 = CR0_LONG,
			       .cr3 = PG('X'), .cr4 = CR4_LONG,
			       .efer = EFER_LONG };

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	cr_assert_not_null(v->guest_mmu.root.sp);
	msim_kvm_on_invept(v, 1, 0x99000 | 0x1e);
	cr_assert_not_null(v->guest_mmu.root.sp);
	msim_kvm_on_invept(v, 1, e.eptp);
	cr_assert_null(v->guest_mmu.root.sp);
	/* next entry: found again in the hash (handle_invept()) */
	msim_kvm_on_vmentry(v, &e);
	cr_assert_not_null(v->guest_mmu.root.sp);
	cr_assert_eq(kc(t, "kvm.root.found") >= 1, 1);
	kt_free(t);
}

Test(kvm_cr, R7_14_invvpid_frees_l2_prev_roots_under_shadow)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .vpid_en = true, .vpid = 5, .cr0 = CR0_LONG,
			       .cr3 = PG('X'), .cr4 = CR4_LONG,
			       .efer = EFER_LONG };

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	cr_assert_str_eq(kt_state(v), "H | X - -");
	msim_kvm_on_invvpid(v, 1, 5, 0);
	cr_assert_str_eq(kt_state(v), "H | - - -");
	cr_assert_eq(t->last.vpid, v->vpid02);
	kt_free(t);
}
