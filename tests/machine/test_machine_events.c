/*
 * msim_machine_events (runs of remembered TLB hits handled in one pass)
 * is msim_machine_event applied to each event: the same counters, the
 * same registers, for every generator, bare metal and under KVM, 1D and
 * 2D presets, with and without the stride prefetcher; errors stop at the
 * failing event with the same code.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/mmu_sim.h"
#include "trace/trace_helpers.h"

static msim_event *gen_events(const char *name, const char *params, size_t *n)
{
	msim_event *ev = th_gen_events(name, params, n);

	cr_assert_not_null(ev, "%s %s: %s", name, params, msim_last_error());
	return ev;
}

static msim_machine *make(const char *cost, const char *kvm)
{
	msim_machine_opts mo = MSIM_MACHINE_OPTS_INIT;
	msim_machine *m;

	mo.cost = cost;
	mo.kvm = kvm;
	cr_assert_eq(msim_machine_create(&m, &mo), 0, "%s", msim_last_error());
	return m;
}

static void same_state(msim_machine *a, msim_machine *b, const char *what)
{
	msim_stats *sa = msim_machine_stats(a), *sb = msim_machine_stats(b);

	cr_assert_eq(msim_stats_count(sa), msim_stats_count(sb), "%s", what);
	for (unsigned i = 0; i < msim_stats_count(sa); i++)
		cr_assert_eq(msim_stats_value(sa, (int)i), msim_stats_value(sb, (int)i),
			     "%s: counter %s: %llu vs %llu", what,
			     msim_stats_name(sa, i),
			     (unsigned long long)msim_stats_value(sa, (int)i),
			     (unsigned long long)msim_stats_value(sb, (int)i));
	for (unsigned v = 0; v < msim_machine_nr_vcpus(a); v++) {
		const msim_paging_regs *ra = msim_machine_regs(a, v);
		const msim_paging_regs *rb = msim_machine_regs(b, v);

		cr_assert_eq(ra->cr0, rb->cr0, "%s", what);
		cr_assert_eq(ra->cr3, rb->cr3, "%s", what);
		cr_assert_eq(ra->cr4, rb->cr4, "%s", what);
		cr_assert_eq(ra->cpl, rb->cpl, "%s: vCPU %u CPL", what, v);
		cr_assert_eq(ra->rflags, rb->rflags, "%s: vCPU %u RFLAGS", what, v);
	}
}

/* One by one (a) against batches of pseudo-random sizes (b). */
static void compare(const char *wl, const char *params, const char *cost,
		    const char *kvm)
{
	char what[256];
	size_t n, i = 0;
	uint64_t s = 0x1234;
	msim_event *ev = gen_events(wl, params, &n);
	msim_machine *a = make(cost, kvm), *b = make(cost, kvm);
	uint64_t accesses;

	snprintf(what, sizeof(what), "%s %s / %s / %s", wl, params, cost,
		 kvm ? kvm : "bare");
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(msim_machine_event(a, &ev[k], NULL), 0, "%s: %s", what,
			     msim_last_error());
	while (i < n) {
		size_t chunk, done;

		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		chunk = 1 + (s >> 33) % 5000;
		if (chunk > n - i)
			chunk = n - i;
		cr_assert_eq(msim_machine_events(b, &ev[i], chunk, &done), 0,
			     "%s: %s", what, msim_last_error());
		cr_assert_eq(done, chunk);
		i += chunk;
	}
	accesses = msim_stats_get(msim_machine_stats(a), "events.access");
	cr_assert_gt(accesses, 0, "%s: no accesses?", what);
	same_state(a, b, what);
	msim_machine_free(a);
	msim_machine_free(b);
	free(ev);
}

Test(machine_events, chase_every_preset)
{
	static const char *const cost[] = { "skylake-sp", "zen4", "sapphire-rapids-2d",
					    "this-machine" };
	for (size_t c = 0; c < sizeof(cost) / sizeof(cost[0]); c++) {
		compare("chase", "pages=48,accesses=30000", cost[c], NULL);
		compare("chase", "pages=3000,order=seq,accesses=30000", cost[c], NULL);
		compare("chase", "pages=40,pagesize=2m,accesses=20000", cost[c], NULL);
	}
}

Test(machine_events, generators_bare_and_kvm)
{
	static const char *const kvm[] = { NULL, "preset=6.18-pvm", "preset=5.18" };
	for (size_t k = 0; k < sizeof(kvm) / sizeof(kvm[0]); k++) {
		compare("procs", "procs=5,pti=1,switches=400", "skylake-sp", kvm[k]);
		compare("wp-storm", "toggles=400", "skylake-sp", kvm[k]);
		compare("smm", "rounds=50", "skylake-sp", kvm[k]);
		compare("memslot", "rounds=5", "sapphire-rapids-2d", kvm[k]);
	}
	compare("nested", "rounds=50", "skylake-sp", "preset=6.18-pvm");
}

static unsigned nobs;

static void count_obs(void *ctx, const msim_observation *o)
{
	(void)ctx;
	(void)o;
	nobs++;
}

Test(machine_events, observer_sees_every_access)
{
	size_t n, done;
	msim_event *ev = gen_events("chase", "pages=48,accesses=5000", &n);
	msim_machine *a = make("skylake-sp", NULL), *b = make("skylake-sp", NULL);
	unsigned na;

	msim_machine_set_observer(a, count_obs, NULL);
	msim_machine_set_observer(b, count_obs, NULL);
	for (size_t k = 0; k < n; k++)
		cr_assert_eq(msim_machine_event(a, &ev[k], NULL), 0);
	na = nobs;
	nobs = 0;
	cr_assert_eq(msim_machine_events(b, ev, n, &done), 0);
	cr_assert_eq(done, n);
	cr_assert_eq(nobs, na, "one observation per access, batched or not");
	cr_assert_geq(na, 5000);
	same_state(a, b, "observer");
	msim_machine_free(a);
	msim_machine_free(b);
	free(ev);
}

Test(machine_events, error_stops_at_the_failing_event)
{
	size_t n, done = 12345;
	msim_event *ev = gen_events("chase", "pages=48,accesses=500", &n);
	msim_machine *a = make("skylake-sp", NULL), *b = make("skylake-sp", NULL);
	size_t bad = n - 100;
	int ra = 0;

	ev[bad].vcpu = 7; /* the machine has one vCPU */
	for (size_t k = 0; k < n && !ra; k++)
		ra = msim_machine_event(a, &ev[k], NULL);
	cr_assert_eq(ra, MSIM_ERANGE);
	cr_assert_eq(msim_machine_events(b, ev, n, &done), MSIM_ERANGE);
	cr_assert_eq(done, bad, "done = index of the failing event");
	same_state(a, b, "error");
	cr_assert_eq(msim_machine_events(NULL, ev, n, &done), MSIM_EINVAL);
	cr_assert_eq(done, 0);
	cr_assert_eq(msim_machine_events(b, NULL, 0, &done), 0);
	msim_machine_free(a);
	msim_machine_free(b);
	free(ev);
}
