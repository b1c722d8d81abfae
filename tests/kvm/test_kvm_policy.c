/*
 * Presets, the policy string, and the observer stream `validate` uses.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "kvm_test.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/trace.h"

/* field by field: the struct has padding */
static bool opts_eq(const msim_kvm_opts *a, const msim_kvm_opts *b)
{
	return a->kernel == b->kernel && a->mmu == b->mmu &&
	       a->policy == b->policy && a->prev_roots == b->prev_roots &&
	       a->zap_flush == b->zap_flush &&
	       a->nested_flush == b->nested_flush && a->vendor == b->vendor &&
	       a->vpid == b->vpid && a->vpid02 == b->vpid02 &&
	       a->pae_free_early == b->pae_free_early &&
	       a->flush_on_reuse == b->flush_on_reuse &&
	       a->ept_ad == b->ept_ad && a->tdp_level == b->tdp_level &&
	       a->max_mmu_pages == b->max_mmu_pages;
}

Test(kvm_policy, preset_names)
{
	const char *const *n = msim_kvm_preset_names();
	const char *want[] = { "4.19", "5.10", "5.15", "5.18", "6.4", "6.18-pvm" };
	unsigned i;

	for (i = 0; n[i]; i++) {
		cr_assert_lt(i, 6);
		cr_assert_str_eq(n[i], want[i]);
		cr_assert_not_null(msim_kvm_preset_help(n[i]));
	}
	cr_assert_eq(i, 6);
}

Test(kvm_policy, presets_set_era_and_mmu)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;

	cr_assert_eq(o.kernel, 618);
	cr_assert_eq(o.mmu, MSIM_KVM_MMU_SHADOW);
	cr_assert_eq(o.prev_roots, 3);
	cr_assert_eq(msim_kvm_opts_preset(&o, "5.10"), 0);
	cr_assert_eq(o.kernel, 510);
	cr_assert_eq(o.mmu, MSIM_KVM_MMU_TDP_MMU);
	cr_assert_eq(o.policy, MSIM_KVM_POLICY_UNLOAD);
	cr_assert_eq(msim_kvm_opts_preset(&o, "6.4"), 0);
	cr_assert_eq(o.kernel, 604);
	cr_assert_eq(msim_kvm_opts_preset(&o, "7.0"), MSIM_ENOENT);
	cr_assert(strstr(msim_last_error(), "6.18-pvm"));
}

Test(kvm_policy, parse_full_string)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;

	cr_assert_eq(msim_kvm_opts_parse(&o, "preset=5.18,mmu=tdp-mmu,"
					 "policy=keep-roots,prev_roots=7"), 0);
	cr_assert_eq(o.kernel, 518);
	cr_assert_eq(o.mmu, MSIM_KVM_MMU_TDP_MMU);
	cr_assert_eq(o.policy, MSIM_KVM_POLICY_KEEP_ROOTS);
	cr_assert_eq(o.prev_roots, 7);
	cr_assert_eq(msim_kvm_opts_parse(&o, "kernel=6.12,vendor=amd,"
					 "zap_flush=per-table,nested_flush=tag"), 0);
	cr_assert_eq(o.kernel, 612);
	cr_assert_eq(o.vendor, MSIM_VENDOR_AMD);
	cr_assert_eq(o.prev_roots, 7); /* kept: no preset= */
}

Test(kvm_policy, parse_errors_leave_opts_unchanged)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT, before;

	before = o;
	cr_assert_eq(msim_kvm_opts_parse(&o, "prev_roots=2,bogus=1"), MSIM_EINVAL);
	cr_assert(strstr(msim_last_error(), "bogus"));
	cr_assert(opts_eq(&o, &before));
	cr_assert_eq(msim_kvm_opts_parse(&o, "prev_roots=17"), MSIM_ERANGE);
	cr_assert(strstr(msim_last_error(), "prev_roots"));
	cr_assert_eq(msim_kvm_opts_parse(&o, "mmu=ept"), MSIM_EINVAL);
	cr_assert(strstr(msim_last_error(), "shadow|legacy-tdp|tdp-mmu"));
	cr_assert_eq(msim_kvm_opts_parse(&o, "policy"), MSIM_EINVAL);
	cr_assert_eq(msim_kvm_opts_parse(&o, "preset=9.9"), MSIM_EINVAL);
	cr_assert_eq(msim_kvm_opts_parse(&o, "tdp_level=3"), MSIM_ERANGE);
	cr_assert_eq(msim_kvm_opts_parse(&o, "vpid=2"), MSIM_EINVAL);
	cr_assert_eq(msim_kvm_opts_parse(&o, "kernel=x"), MSIM_EINVAL);
	cr_assert(opts_eq(&o, &before));
}

Test(kvm_policy, format_round_trip)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT, p = MSIM_KVM_OPTS_INIT;
	char buf[512];

	cr_assert_eq(msim_kvm_opts_parse(&o, "preset=5.10,policy=per-caller,"
					 "prev_roots=16,vpid02=0"), 0);
	cr_assert_lt(msim_kvm_opts_format(&o, buf, sizeof(buf)), (int)sizeof(buf));
	cr_assert_eq(msim_kvm_opts_parse(&p, buf), 0, "%s", msim_last_error());
	cr_assert(opts_eq(&o, &p));
}

/* ------------------------------------------------------------ observer */

static char obs_log[4096];

static void obs(void *ctx, unsigned vcpu, const msim_kvm_obs *o)
{
	static const char *const kinds[] = { [MSIM_EXP_ROOT] = "root",
		[MSIM_EXP_SP] = "sp", [MSIM_EXP_ZAP] = "zap",
		[MSIM_EXP_FLUSH] = "flush", [MSIM_EXP_SYNC] = "sync",
		[MSIM_EXP_UNSYNC] = "unsync" };
	char line[96];

	(void)ctx;
	snprintf(line, sizeof(line), "%u %s %u %llx %x\n", vcpu, kinds[o->kind],
		 o->how, (unsigned long long)o->gfn, o->role);
	strncat(obs_log, line, sizeof(obs_log) - strlen(obs_log) - 1);
}

Test(kvm_policy, observer_reports_root_sources)
{
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_kvm_env env = { NULL, NULL, obs };
	msim_kvm *kvm;
	msim_kvm_vcpu *v;

	obs_log[0] = 0;
	cr_assert_eq(msim_kvm_create(&kvm, &o, 1, NULL, NULL, NULL, &env), 0);
	v = msim_kvm_vcpu_get(kvm, 0);
	msim_kvm_on_sregs(v, CR0_LONG, PG('A'), CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	obs_log[0] = 0;
	msim_kvm_on_cr3(v, PG('B'), PG('A')); /* from prev_roots */
	cr_assert_str_eq(obs_log, "0 root 2 10 3704\n0 flush 0 0 0\n");
	obs_log[0] = 0;
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG); /* no change: no MMU work */
	cr_assert_str_eq(obs_log, "");
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP);
	/* reset: A/wp0 is new; a root is reported as a root only, as the
	 * importer turns kvm_mmu_get_page of a root into `expect root` */
	cr_assert_str_eq(obs_log, "0 root 0 10 1704\n0 flush 0 0 0\n");
	msim_kvm_free(kvm);
}

/* ------------------------------------------------------------ generators */

static size_t gen_to_buf(const char *name, uint64_t seed, const char *params,
			 char *buf, size_t len, int *rc)
{
	FILE *f = fmemopen(buf, len, "w");
	msim_trace_writer *w;
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;

	o.seed = seed;
	o.params = params;
	size_t n;

	cr_assert_not_null(f);
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	*rc = msim_gen(name, &o, w);
	msim_trace_writer_free(w);
	n = (size_t)ftell(f);
	fclose(f);
	return n;
}

Test(kvm_policy, generators_deterministic)
{
	static char a[1 << 20], b[1 << 20];
	const char *names[] = { "wp-storm", "procs", "smm", "nested", "memslot" };
	const char *params[] = { "toggles=20", "procs=3,pti=1,pcid=1,switches=9",
				 "rounds=5", "rounds=5,ept=1", "rounds=3" };
	int rc;

	for (unsigned i = 0; i < 5; i++) {
		size_t n1 = gen_to_buf(names[i], 7, params[i], a, sizeof(a), &rc);
		size_t n2;

		cr_assert_eq(rc, 0, "%s: %s", names[i], msim_last_error());
		n2 = gen_to_buf(names[i], 7, params[i], b, sizeof(b), &rc);
		cr_assert_eq(n1, n2);
		cr_assert_eq(memcmp(a, b, n1), 0, "%s", names[i]);
		cr_assert(strstr(a, "wrmem"), "%s: tables first", names[i]);
		cr_assert_lt(strstr(a, "wrmem") - a, strstr(a, "sregs") - a);
	}
	/* a different seed picks different pages */
	{
		size_t n1 = gen_to_buf("wp-storm", 7, "toggles=50", a, sizeof(a), &rc);
		size_t n2 = gen_to_buf("wp-storm", 8, "toggles=50", b, sizeof(b), &rc);

		cr_assert(n1 != n2 || memcmp(a, b, n1) != 0);
	}
}

Test(kvm_policy, generator_param_errors)
{
	static char a[4096];
	int rc;

	gen_to_buf("wp-storm", 1, "toggle=3", a, sizeof(a), &rc);
	cr_assert_eq(rc, MSIM_EINVAL);
	gen_to_buf("procs", 1, "procs=0", a, sizeof(a), &rc);
	cr_assert_eq(rc, MSIM_EINVAL);
	gen_to_buf("procs", 1, "pti=2", a, sizeof(a), &rc);
	cr_assert_neq(rc, 0);
}
