/*
 * Worked examples the CR0.WP toggle example-the SMI/RSM loop example of at the level of
 * roots, trees and flush counts.
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

/* ------------------------------------------------------------ the CR0.WP toggle example */

struct e1 {
	uint64_t created, found, teardowns, resets, exits, loads;
};

/* 4 toggles 1->0->1->0->1, CR3 = A throughout, nv vCPUs in 64-bit mode */
static struct e1 run_e1(const char *policy, unsigned nv, bool abcd)
{
	struct kt *t = kt_new(policy, nv);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct e1 r0, r;
	uint64_t cr0 = CR0_LONG;

	for (unsigned i = 1; i < nv; i++)
		kt_long(kt_vcpu(t, i), PG('A'));
	if (abcd) { /* shadow start state A/wp1 | B C D */
		kt_long(v, PG('D'));
		msim_kvm_on_cr3(v, PG('D'), PG('C'));
		msim_kvm_on_cr3(v, PG('C'), PG('B'));
		msim_kvm_on_cr3(v, PG('B'), PG('A'));
		cr_assert_str_eq(kt_state(v), "A | B C D");
	} else {
		kt_long(v, PG('A'));
	}
	r0 = (struct e1){ kc(t, "kvm.root.created"), kc(t, "kvm.root.found"),
			  kc(t, "kvm.tdp.tree_teardown"),
			  kc(t, "kvm.reset_context"), kc(t, "kvm.exit"),
			  kc(t, "kvm.mmu_load") };
	for (int i = 0; i < 4; i++) {
		uint64_t n = cr0 ^ MSIM_CR0_WP;

		msim_kvm_on_cr0(v, cr0, n);
		cr0 = n;
	}
	r = (struct e1){ kc(t, "kvm.root.created") - r0.created,
			 kc(t, "kvm.root.found") - r0.found,
			 kc(t, "kvm.tdp.tree_teardown") - r0.teardowns,
			 kc(t, "kvm.reset_context") - r0.resets,
			 kc(t, "kvm.exit") - r0.exits,
			 kc(t, "kvm.mmu_load") - r0.loads };
	kt_free(t);
	return r;
}

Test(kvm_examples, E1_shadow_any_version)
{
	const char *p[] = { "preset=6.18-pvm,cpl0_emulated=0", "preset=5.10,mmu=shadow",
			    "preset=5.18,mmu=shadow", "preset=6.4,mmu=shadow" };

	for (unsigned i = 0; i < 4; i++) {
		struct e1 r = run_e1(p[i], 1, true);

		cr_assert_eq(r.created, 1, "%s", p[i]); /* A/wp0 on toggle 1 */
		cr_assert_eq(r.found, 3, "%s", p[i]);   /* toggles 2-4 */
		cr_assert_eq(r.resets, 4, "%s", p[i]);
		cr_assert_eq(r.loads, 4, "%s", p[i]);   /* 4 load flushes */
	}
}

Test(kvm_examples, E1_legacy_tdp_before_5_18)
{
	struct e1 r = run_e1("preset=5.10,mmu=legacy-tdp", 1, false);

	cr_assert_eq(r.created, 1); /* the wp0 tree, once */
	cr_assert_eq(r.found, 3);
	cr_assert_eq(r.teardowns, 0);
}

Test(kvm_examples, E1_tdp_mmu_before_5_18)
{
	struct e1 r = run_e1("preset=5.10", 1, false);

	cr_assert_eq(r.created, 4);
	cr_assert_eq(r.teardowns, 4);
}

Test(kvm_examples, E1_legacy_tdp_5_18_to_6_3)
{
	struct e1 r = run_e1("preset=5.18,mmu=legacy-tdp", 1, false);

	cr_assert_eq(r.created, 0); /* same direct root from the hash */
	cr_assert_eq(r.found, 4);
	cr_assert_eq(r.resets, 4);
}

Test(kvm_examples, E1_tdp_mmu_5_18_to_6_3)
{
	struct e1 r = run_e1("preset=5.18", 1, false);

	cr_assert_eq(r.created, 4);
	cr_assert_eq(r.teardowns, 4);
	/* another vCPU holds the root: nothing is rebuilt */
	r = run_e1("preset=5.18", 2, false);
	cr_assert_eq(r.created, 0);
	cr_assert_eq(r.teardowns, 0);
}

Test(kvm_examples, E1_tdp_6_4_vmx_no_exit)
{
	struct e1 r = run_e1("preset=6.4", 1, false);

	cr_assert_eq(r.exits, 0);
	cr_assert_eq(r.resets, 0);
	cr_assert_eq(r.created, 0);
}

Test(kvm_examples, E1_tdp_6_4_svm_init_only)
{
	struct e1 r = run_e1("preset=6.4,vendor=amd", 1, false);

	cr_assert_eq(r.exits, 4);
	cr_assert_eq(r.resets, 0);
	cr_assert_eq(r.created, 0);
	cr_assert_eq(r.loads, 0);
}

/* keep-roots (Paolo 2022): the other role waits in prev_roots */
Test(kvm_examples, E1_keep_roots_policy_tdp_mmu_5_10)
{
	struct e1 r = run_e1("preset=5.10,policy=keep-roots", 1, false);

	cr_assert_eq(r.created, 1);
	cr_assert_eq(r.teardowns, 0);
	r = run_e1("preset=5.10,policy=per-caller", 1, false);
	cr_assert_eq(r.created, 1);
	cr_assert_eq(r.teardowns, 0);
}

/* ------------------------------------------------------------ the 5-process CR3 round-robin example */

Test(kvm_examples, E2_five_processes_all_miss)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	const char *after[] = { "E | D C B", "A | E D C", "B | A E D",
				"C | B A E", "D | C B A" };
	char cur = 'D';

	/* warm: P1..P5 = A..E all in the hash, start `D | C B A` */
	kt_long(v, PG('E'));
	for (char c = 'A'; c <= 'D'; c++)
		msim_kvm_on_cr3(v, v->cr3, PG(c));
	cr_assert_str_eq(kt_state(v), "D | C B A");
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5; i++) {
			char next = (char)('A' + (cur - 'A' + 1) % 5);
			uint64_t miss = kc(t, "kvm.root.cache_miss");
			uint64_t freed = kc(t, "kvm.root.freed");
			uint64_t found = kc(t, "kvm.root.found");
			uint64_t created = kc(t, "kvm.root.created");

			msim_kvm_on_cr3(v, PG(cur), PG(next));
			cr_assert_str_eq(kt_state(v), after[(next - 'A' + 1) % 5]);
			cr_assert_eq(kc(t, "kvm.root.cache_miss"), miss + 1);
			cr_assert_eq(kc(t, "kvm.root.freed"), freed + 1);
			cr_assert_eq(kc(t, "kvm.root.found"), found + 1);
			cr_assert_eq(kc(t, "kvm.root.created"), created);
			cur = next;
		}
	}
	kt_free(t);
}

Test(kvm_examples, E2_four_processes_hit_at_2)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	char cur = 'D';

	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	msim_kvm_on_cr3(v, PG('B'), PG('C'));
	msim_kvm_on_cr3(v, PG('C'), PG('D'));
	cr_assert_str_eq(kt_state(v), "D | C B A");
	{
		uint64_t freed = kc(t, "kvm.root.freed");
		uint64_t hits = kc(t, "kvm.root.cache_hit.prev");

		for (int i = 0; i < 8; i++) {
			char next = (char)('A' + (cur - 'A' + 1) % 4);

			msim_kvm_on_cr3(v, PG(cur), PG(next));
			cur = next;
		}
		cr_assert_str_eq(kt_state(v), "D | C B A");
		cr_assert_eq(kc(t, "kvm.root.freed"), freed);
		cr_assert_eq(kc(t, "kvm.root.cache_hit.prev"), hits + 8);
	}
	msim_kvm_on_cr3(v, PG('D'), PG('A'));
	cr_assert_str_eq(kt_state(v), "A | D C B"); /* hit at i=2 */
	kt_free(t);
}

Test(kvm_examples, E2_under_tdp_no_events)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t exits;

	kt_long(v, PG('A'));
	exits = kc(t, "kvm.exit");
	for (char c = 'B'; c <= 'F'; c++)
		msim_kvm_on_cr3(v, PG(c - 1), PG(c));
	cr_assert_eq(kc(t, "kvm.exit"), exits);
	cr_assert_eq(kc(t, "kvm.new_pgd"), 0);
	kt_free(t);
}

/* ------------------------------------------------------------ the nested L1/L2 loop example */

static uint64_t hw_flushes(struct kt *t)
{
	return kc(t, "kvm.invept.single") + kc(t, "kvm.invept.global") +
	       kc(t, "kvm.invvpid.single") + kc(t, "kvm.invvpid.addr") +
	       kc(t, "kvm.invvpid.all");
}

/* flushes in one steady-state round trip (after two warm-up rounds) */
static uint64_t e3(const char *policy, bool ept12, bool vpid_en,
		   uint64_t *syncs, uint64_t *created)
{
	struct kt *t = kt_new(policy, 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = ept12, .eptp = 0x77000 | 0x1e,
			       .vpid_en = vpid_en, .vpid = 5, .cr0 = CR0_LONG,
			       .cr3 = PG('X'), .cr4 = CR4_LONG,
			       .efer = EFER_LONG };
	uint64_t f, s, c;

	kt_long(v, PG('H'));
	for (int i = 0; i < 2; i++) {
		msim_kvm_on_vmentry(v, &e);
		msim_kvm_on_vmexit(v, PG('H'));
	}
	f = hw_flushes(t);
	s = kc(t, "kvm.sync_roots");
	c = kc(t, "kvm.root.created");
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	if (syncs)
		*syncs = kc(t, "kvm.sync_roots") - s;
	if (created)
		*created = kc(t, "kvm.root.created") - c;
	f = hw_flushes(t) - f;
	kt_free(t);
	return f;
}

Test(kvm_examples, E3a_ept_vpid_first_entry)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,mmu=tdp-mmu", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = true, .eptp = 0x77000 | 0x1e,
			       .vpid_en = true, .vpid = 5, .cr0 = CR0_LONG,
			       .cr3 = PG('X'), .cr4 = CR4_LONG,
			       .efer = EFER_LONG };
	uint64_t vs, es;

	kt_long(v, PG('H'));
	vs = kc(t, "kvm.invvpid.single");
	es = kc(t, "kvm.invept.single");
	msim_kvm_on_vmentry(v, &e);
	cr_assert_eq(kc(t, "kvm.invvpid.single"), vs + 1); /* FLUSH_GUEST */
	cr_assert_eq(kc(t, "kvm.invept.single"), es + 1);  /* load of EPT02 */
	cr_assert_eq(v->mmu, &v->guest_mmu);
	cr_assert_eq(v->guest_mmu.root.pgd, e.eptp);
	kt_free(t);
}

Test(kvm_examples, E3a_ept_vpid_steady_zero)
{
	uint64_t created;

	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0,mmu=tdp-mmu", true, true, NULL,
			&created), 0);
	cr_assert_eq(created, 0);
}

Test(kvm_examples, E3b_ept_no_vmcs12_vpid_two)
{
	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0,mmu=tdp-mmu", true, false, NULL, NULL),
		     2);
}

Test(kvm_examples, E3c_l1_shadows_l2_zero)
{
	uint64_t created;

	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0,mmu=tdp-mmu", false, true, NULL,
			&created), 0);
	cr_assert_eq(created, 0);
}

Test(kvm_examples, E3d_l0_shadow_vpid_zero)
{
	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0", false, true, NULL, NULL), 0);
}

Test(kvm_examples, E3e_l0_shadow_no_vmcs12_vpid)
{
	uint64_t syncs;

	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0", false, false, &syncs, NULL), 2);
	cr_assert_eq(syncs, 2); /* each FLUSH_GUEST syncs the shadow root */
}

Test(kvm_examples, E3f_l0_shadow_no_vpid02)
{
	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0,vpid02=0", false, true, NULL, NULL), 2);
}

Test(kvm_examples, E3g_svm_always_two)
{
	struct kt *t = kt_new("preset=6.4,vendor=amd", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = true, .cr0 = CR0_LONG, .cr3 = PG('X'),
			       .cr4 = CR4_LONG, .efer = EFER_LONG };
	uint64_t f;

	kt_long(v, PG('H'));
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	f = kc(t, "kvm.flush.current");
	msim_kvm_on_vmentry(v, &e);
	msim_kvm_on_vmexit(v, PG('H'));
	cr_assert_eq(kc(t, "kvm.flush.current") - f, 2);
	kt_free(t);
}

Test(kvm_examples, E3h_every_switch_policy)
{
	cr_assert_eq(e3("preset=6.18-pvm,cpl0_emulated=0,mmu=tdp-mmu,nested_flush=every-switch",
			true, true, NULL, NULL), 2);
}

/* ------------------------------------------------------------ the SMI/RSM loop example */

struct e4 {
	uint64_t resets, teardowns, created;
};

static struct e4 run_e4(const char *policy)
{
	struct kt *t = kt_new(policy, 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct e4 r;
	uint64_t r0, t0, c0;

	kt_long(v, PG('A'));
	msim_kvm_on_smi(v); /* warm-up round trip */
	msim_kvm_on_rsm(v);
	r0 = kc(t, "kvm.reset_context");
	t0 = kc(t, "kvm.tdp.tree_teardown");
	c0 = kc(t, "kvm.root.created");
	msim_kvm_on_smi(v);
	cr_assert(v->smm);
	msim_kvm_on_rsm(v);
	cr_assert_not(v->smm);
	cr_assert_eq(v->cr0, CR0_LONG);
	cr_assert_eq(v->efer, EFER_LONG);
	r = (struct e4){ kc(t, "kvm.reset_context") - r0,
			 kc(t, "kvm.tdp.tree_teardown") - t0,
			 kc(t, "kvm.root.created") - c0 };
	kt_free(t);
	return r;
}

Test(kvm_examples, E4_tdp_mmu_before_6_4)
{
	struct e4 r = run_e4("preset=5.18");

	cr_assert_eq(r.resets, 6);    /* 2 on SMI, 4 on RSM (enter_smm(), emulator_leave_smm()) */
	cr_assert_eq(r.teardowns, 2); /* non-SMM root on SMI, SMM root on RSM */
	cr_assert_eq(r.created, 2);
}

Test(kvm_examples, E4_tdp_mmu_6_4_roots_persist)
{
	struct e4 r = run_e4("preset=6.4");

	cr_assert_eq(r.resets, 6);
	cr_assert_eq(r.teardowns, 0);
	cr_assert_eq(r.created, 0);
}

Test(kvm_examples, E4_shadow_roots_from_hash)
{
	struct e4 r = run_e4("preset=6.18-pvm,cpl0_emulated=0");

	cr_assert_eq(r.resets, 6);
	cr_assert_eq(r.created, 0);
}

/* enter_smm() before ~5.14: enter_smm did not call kvm_smm_changed (1 reset) */
Test(kvm_examples, E4_pre_5_14_one_reset_on_smi)
{
	struct e4 r = run_e4("preset=5.10");

	cr_assert_eq(r.resets, 1 + 4);
	cr_assert_eq(r.teardowns, 2);
}
