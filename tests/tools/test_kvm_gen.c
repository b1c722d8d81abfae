/*
 * The generators' traces replayed through the model: counts derived from
 * the worked examples (the CR0.WP toggle example, the 5-process CR3 round-robin example, the nested L1/L2 loop example, the SMI/RSM loop example) and kvm_mmu_zap_all_fast().
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include "kvm/kvm_replay_util.h"
#include "kvm/kvm_test.h"
#include "mmu_sim/gen.h"
#include "mmu_sim/trace.h"

static struct kt *run(const char *workload, const char *params,
		      const char *policy)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	msim_trace_writer *w;
	msim_trace_reader *r;
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;

	o.seed = 3;
	o.params = params;
	msim_event ev;
	struct kt *t = kt_new(policy, 1);

	cr_assert_not_null(f);
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_gen(workload, &o, w), 0, "%s", msim_last_error());
	msim_trace_writer_free(w);
	fclose(f);
	f = fmemopen(buf, len, "r");
	cr_assert_eq(msim_trace_open_stream(&r, f, workload), 0);
	while (msim_trace_next(r, &ev) == 0)
		cr_assert_eq(kvm_replay_event(t->kvm, t->mem, &ev), 0, "%s",
			     msim_last_error());
	msim_trace_close(r);
	fclose(f);
	free(buf);
	return t;
}

Test(kvm_gen, wp_storm_E1_tdp_mmu_5_10_rebuilds_per_toggle)
{
	struct kt *t = run("wp-storm", "toggles=50,ws=8", "preset=5.10");

	cr_assert_eq(kc(t, "kvm.tdp.tree_teardown"), 100);
	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 101);
	kt_free(t);
}

Test(kvm_gen, wp_storm_E1_6_4_vmx_no_resets)
{
	struct kt *t = run("wp-storm", "toggles=50,ws=8", "preset=6.4");

	cr_assert_eq(kc(t, "kvm.reset_context"), 1); /* the sregs load */
	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 1);
	cr_assert_eq(kc(t, "kvm.tdp.tree_teardown"), 0);
	kt_free(t);
}

Test(kvm_gen, wp_storm_E1_shadow_two_trees)
{
	struct kt *t = run("wp-storm", "toggles=50,ws=8", "preset=6.18-pvm,cpl0_emulated=0");

	cr_assert_eq(kc(t, "kvm.root.created"), 2); /* wp1 and wp0 roots */
	cr_assert_eq(kc(t, "kvm.root.found"), 99);
	cr_assert_eq(kc(t, "kvm.reset_context"), 101);
	kt_free(t);
}

Test(kvm_gen, procs_E2_five_processes_always_miss)
{
	struct kt *t = run("procs", "procs=5,switches=20,ws=2", "preset=6.18-pvm,cpl0_emulated=0");

	cr_assert_eq(kc(t, "kvm.root.cache_miss"), 20);
	cr_assert_eq(kc(t, "kvm.root.created"), 5);
	kt_free(t);
}

Test(kvm_gen, procs_E2_four_processes_hit)
{
	struct kt *t = run("procs", "procs=4,switches=20,ws=2", "preset=6.18-pvm,cpl0_emulated=0");

	cr_assert_eq(kc(t, "kvm.root.cache_miss"), 3);
	cr_assert_eq(kc(t, "kvm.root.cache_hit.prev"), 17);
	kt_free(t);
}

Test(kvm_gen, procs_C6_prev_roots_11_with_pti)
{
	/* 5 processes x 2 CR3s = 10 roots: fit in 1 + 11 slots */
	struct kt *t = run("procs", "procs=5,pti=1,switches=20,ws=1",
			   "preset=6.18-pvm,cpl0_emulated=0,prev_roots=11");

	cr_assert_eq(kc(t, "kvm.root.freed"), 0);
	kt_free(t);
	t = run("procs", "procs=5,pti=1,switches=20,ws=1", "preset=6.18-pvm,cpl0_emulated=0");
	cr_assert_eq(kc(t, "kvm.root.cache_miss"), 40);
	kt_free(t);
}

Test(kvm_gen, smm_E4_per_era)
{
	struct kt *t = run("smm", "rounds=5,accesses=2", "preset=6.4");

	cr_assert_eq(kc(t, "kvm.reset_context"), 1 + 6 * 5);
	cr_assert_eq(kc(t, "kvm.tdp.tree_teardown"), 0);
	kt_free(t);
	t = run("smm", "rounds=5,accesses=2", "preset=5.18");
	cr_assert_eq(kc(t, "kvm.tdp.tree_teardown"), 2 * 5);
	kt_free(t);
}

Test(kvm_gen, nested_E3a_steady_state_no_flushes)
{
	struct kt *t = run("nested", "rounds=4,ept=1,vpid=1,accesses=2",
			   "preset=6.4");

	cr_assert_eq(kc(t, "kvm.nested.entry"), 4);
	cr_assert_eq(kc(t, "kvm.invvpid.single"), 2); /* sregs + first entry */
	cr_assert_eq(kc(t, "kvm.root.created"), 2);   /* L1 root + EPT02 root */
	kt_free(t);
}

Test(kvm_gen, memslot_R2_21_every_move_rebuilds_root)
{
	/* sweep, move, sweep, move, sweep, move: the last move is not
	 * followed by an entry, so 2 rebuilds */
	struct kt *t = run("memslot", "rounds=3,ws=4", "preset=6.4");

	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 1 + 2);
	/* each sweep refaults 4 table frames + 4 data frames */
	cr_assert_eq(kc(t, "kvm.tdp.fault"), 3 * (4 + 4));
	kt_free(t);
	t = run("memslot", "rounds=3,ws=4", "preset=6.18-pvm,cpl0_emulated=0");
	cr_assert_eq(kc(t, "kvm.root.created"), 1 + 2);
	cr_assert_eq(kc(t, "kvm.root.obsolete_freed"), 2);
	kt_free(t);
}
