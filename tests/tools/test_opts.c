/*
 * Options structs evolve like libgit2's: a version first field, an INIT
 * macro and an msim_*_opts_init() that give the same defaults, and an
 * unknown version refused with MSIM_EINVAL before anything else is read.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu_sim/mmu_sim.h"

Test(opts, machine_init_matches_macro)
{
	msim_machine_opts a = MSIM_MACHINE_OPTS_INIT, b;

	memset(&b, 0xa5, sizeof(b));
	cr_assert_eq(msim_machine_opts_init(&b, MSIM_MACHINE_OPTS_VERSION), 0);
	cr_assert_eq(b.version, 1);
	cr_assert_eq(b.nr_vcpus, a.nr_vcpus);
	cr_assert_eq(b.nr_vcpus, 1);
	cr_assert_str_eq(b.cost, "skylake-sp");
	cr_assert_null(b.cost_file);
	cr_assert_null(b.kvm);
	cr_assert_eq(b.seed, 1);
	cr_assert_eq(b.mem_limit, 4ULL << 30);
	/* field by field: struct copies need not carry padding */
	cr_assert_eq(b.features.maxphyaddr, 46);
	cr_assert_eq(b.features.vendor, a.features.vendor);
	cr_assert_eq(b.features.nx, a.features.nx);
	cr_assert_eq(b.features.la57, a.features.la57);
	cr_assert_eq(b.features.ept_ad, a.features.ept_ad);
}

Test(opts, replay_init_matches_macro)
{
	msim_replay_opts a = MSIM_REPLAY_OPTS_INIT, b;

	memset(&b, 0x5a, sizeof(b));
	cr_assert_eq(msim_replay_opts_init(&b, MSIM_REPLAY_OPTS_VERSION), 0);
	cr_assert_eq(b.version, 1);
	cr_assert_eq(b.machine.version, MSIM_MACHINE_OPTS_VERSION);
	cr_assert_eq(b.progress_every, a.progress_every);
	cr_assert_eq(b.progress_every, 1u << 16);
	cr_assert_null(b.progress);
	cr_assert_null(b.on_event);
	cr_assert_null(b.observer);
	cr_assert_eq(b.max_events, 0);
	cr_assert_str_eq(b.machine.cost, a.machine.cost);
}

Test(opts, gen_init_matches_macro)
{
	msim_gen_opts a = MSIM_GEN_OPTS_INIT, b;

	memset(&b, 0x33, sizeof(b));
	cr_assert_eq(msim_gen_opts_init(&b, MSIM_GEN_OPTS_VERSION), 0);
	cr_assert_eq(b.version, a.version);
	cr_assert_eq(b.seed, 1);
	cr_assert_null(b.params);
}

Test(opts, unknown_version_refused)
{
	msim_machine_opts mo;
	msim_replay_opts ro;
	msim_gen_opts go;

	cr_assert_eq(msim_machine_opts_init(&mo, 2), MSIM_EINVAL);
	cr_assert_eq(msim_machine_opts_init(&mo, 0), MSIM_EINVAL);
	cr_assert_eq(msim_machine_opts_init(NULL, 1), MSIM_EINVAL);
	cr_assert_eq(msim_replay_opts_init(&ro, 7), MSIM_EINVAL);
	cr_assert_eq(msim_gen_opts_init(&go, 99), MSIM_EINVAL);
	cr_assert(strstr(msim_last_error(), "version"));
}

Test(opts, consumers_check_the_version)
{
	msim_machine_opts mo = MSIM_MACHINE_OPTS_INIT;
	msim_replay_opts ro = MSIM_REPLAY_OPTS_INIT;
	msim_gen_opts go = MSIM_GEN_OPTS_INIT;
	msim_machine *m = NULL;
	msim_trace_writer *w;
	FILE *f = tmpfile();

	mo.version = 0;
	cr_assert_eq(msim_machine_create(&m, &mo), MSIM_EINVAL);
	cr_assert_null(m);
	cr_assert(strstr(msim_last_error(), "version 0"));
	mo.version = MSIM_MACHINE_OPTS_VERSION;
	cr_assert_eq(msim_machine_create(&m, &mo), 0);
	msim_machine_free(m);

	ro.version = 3;
	m = NULL;
	cr_assert_eq(msim_replay(MSIM_SOURCE_DIR "/traces/walk-demo.trace", &ro, &m),
		     MSIM_EINVAL);
	cr_assert_null(m);

	cr_assert_not_null(f);
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	go.version = 2;
	cr_assert_eq(msim_gen("procs", &go, w), MSIM_EINVAL);
	go.version = MSIM_GEN_OPTS_VERSION;
	cr_assert_eq(msim_gen("procs", &go, w), 0);
	msim_trace_writer_free(w);
	fclose(f);
}
