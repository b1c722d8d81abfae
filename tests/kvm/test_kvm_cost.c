/*
 * Cycles by cause: each KVM action charges its named cost parameter into
 * its "cycles.<cause>" counter (brief: costs; kvm_mmu_load() / the 5-process CR3 round-robin example per-switch work).
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"
#include "mmu_sim/cost.h"

static struct kt *kt_cost(const char *policy, const msim_kvm_costs *c)
{
	static struct kt t;
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;

	memset(&t, 0, sizeof(t));
	cr_assert_eq(msim_kvm_opts_parse(&o, policy), 0);
	cr_assert_eq(msim_gmem_create(&t.mem, NULL), 0);
	cr_assert_eq(msim_kvm_create(&t.kvm, &o, 1, NULL, c, t.mem, NULL), 0);
	return &t;
}

static msim_kvm_costs distinct(void)
{
	msim_kvm_costs c = { 0 };

	c.vmexit = 1000;
	c.reset = 300;
	c.root_alloc = 5000;
	c.root_load = 1000;
	c.root_free = 600;
	c.sp_alloc = 700;
	c.hash_lookup = 10;
	c.sync_roots = 7;
	c.flush_current = 3;
	c.invvpid_single = 100;
	c.invept_single = 200;
	c.zap_spte = 1;
	c.tdp_fault = 40000;
	return c;
}

/* the 5-process CR3 round-robin example steady state: a CR3 switch that misses prev_roots, root in the hash */
Test(kvm_cost, E2_switch_with_hash_hit)
{
	msim_kvm_costs c = distinct();
	struct kt *t = kt_cost("preset=6.18-pvm,cpl0_emulated=0,prev_roots=0", &c);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t b[6];
	const char *n[6] = { "cycles.vmexit", "cycles.hash_lookup", "cycles.sync",
			     "cycles.flush", "cycles.root", "cycles.reset" };

	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	for (int i = 0; i < 6; i++)
		b[i] = kc(t, n[i]);
	msim_kvm_on_cr3(v, PG('B'), PG('A')); /* A comes back from the hash */
	cr_assert_eq(kc(t, n[0]) - b[0], 1000);
	cr_assert_eq(kc(t, n[1]) - b[1], 10);
	cr_assert_eq(kc(t, n[2]) - b[2], 7);        /* sync_roots in load */
	cr_assert_eq(kc(t, n[3]) - b[3], 3 + 100);  /* flush_current + INVVPID */
	/* no new root: free the old one + load A from the hash (Yong He's prev_roots 3 -> 11 numbers (Oct 2024)) */
	cr_assert_eq(kc(t, n[4]) - b[4], 600 + 1000);
	cr_assert_eq(kc(t, n[5]) - b[5], 0);        /* no role change */
	kt_free(t);
}

/* the CR0.WP toggle example under TDP MMU <= 6.3: every toggle pays a root allocation */
Test(kvm_cost, E1_tdp_mmu_toggle_pays_root_alloc)
{
	msim_kvm_costs c = distinct();
	struct kt *t = kt_cost("preset=5.18", &c);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t r, e;

	kt_long(v, PG('A'));
	r = kc(t, "cycles.root");
	e = kc(t, "cycles.vmexit");
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP);
	/* unload frees the root, the reload allocates a new one (the CR0.WP toggle example) */
	cr_assert_eq(kc(t, "cycles.root") - r, 600 + 1000 + 5000);
	cr_assert_eq(kc(t, "cycles.vmexit") - e, 1000);
	kt_free(t);
	t = kt_cost("preset=6.4", &c);
	v = kt_vcpu(t, 0);
	kt_long(v, PG('A'));
	r = kc(t, "cycles.root");
	e = kc(t, "cycles.vmexit");
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP);
	cr_assert_eq(kc(t, "cycles.root") - r, 0);
	cr_assert_eq(kc(t, "cycles.vmexit") - e, 0); /* guest-owned WP */
	kt_free(t);
}

/* costs_from maps cost.h's named parameters */
Test(kvm_cost, costs_from_cost_params)
{
	msim_cost_params p;
	msim_kvm_costs c;

	cr_assert_eq(msim_cost_preset(msim_cost_preset_names()[0], &p), 0);
	p.vmexit = 1234;
	p.kvm_root_alloc = 77;
	p.kvm_root_load = 78;
	p.kvm_root_free = 79;
	p.invept_single = 55;
	msim_kvm_costs_from(&p, &c);
	cr_assert_eq(c.vmexit, 1234);
	cr_assert_eq(c.root_alloc, 77);
	cr_assert_eq(c.root_load, 78);
	cr_assert_eq(c.root_free, 79);
	cr_assert_eq(c.invept_single, 55);
}
