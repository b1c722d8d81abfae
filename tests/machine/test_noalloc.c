/*
 * The hot paths allocate nothing (brief; issue 4): TLB hits (one event at
 * a time and in runs) and page walks on a warmed-up bare-metal machine.
 * malloc/calloc/realloc are interposed (glibc's __libc_* underneath) and
 * counted on this thread while a flag is up. Not under ASan, whose
 * allocator must not be bypassed.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/mmu_sim.h"
#include "trace/trace_helpers.h"

#if defined(__SANITIZE_ADDRESS__)
#define NOALLOC_SKIP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NOALLOC_SKIP 1
#endif
#endif

#ifndef NOALLOC_SKIP
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static _Thread_local int counting;
static _Thread_local unsigned long allocs;

void *malloc(size_t n)
{
	allocs += counting;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	allocs += counting;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	allocs += counting;
	return __libc_realloc(p, n);
}
#endif

/* Replay the chase up to its mark, then count what the measured part
 * (fed `twice`: the second time every translation was made before)
 * allocates. */
static unsigned long measured_allocs(const char *params, const char *cost,
				     bool batched, uint64_t min_walks)
{
#ifdef NOALLOC_SKIP
	(void)params;
	(void)cost;
	(void)batched;
	(void)min_walks;
	cr_skip_test("allocation counting is off under AddressSanitizer");
	return 0;
#else
	size_t n, first = 0;
	msim_event *ev = th_gen_events("chase", params, &n);
	msim_machine_opts mo = MSIM_MACHINE_OPTS_INIT;
	msim_machine *m;
	unsigned long got;
	uint64_t walks;

	mo.cost = cost;
	cr_assert_not_null(ev, "%s", msim_last_error());
	cr_assert_eq(msim_machine_create(&m, &mo), 0);
	while (first < n && ev[first].type != MSIM_EV_MARK)
		first++;
	cr_assert_lt(++first, n);
	cr_assert_eq(msim_machine_events(m, ev, n, NULL), 0); /* warm-up */
	walks = msim_stats_get(msim_machine_stats(m), "walk.count");
	allocs = 0;
	counting = 1;
	if (batched) {
		cr_assert_eq(msim_machine_events(m, ev + first, n - first, NULL), 0);
	} else {
		for (size_t i = first; i < n; i++)
			cr_assert_eq(msim_machine_event(m, &ev[i], NULL), 0);
	}
	counting = 0;
	got = allocs;
	cr_assert_gt(msim_stats_get(msim_machine_stats(m), "events.access"), n - first);
	cr_assert_geq(msim_stats_get(msim_machine_stats(m), "walk.count") - walks,
		      min_walks, "walks in the measured part");
	msim_machine_free(m);
	free(ev);
	return got;
#endif
}

Test(noalloc, tlb_hits_one_by_one)
{
	cr_assert_eq(measured_allocs("pages=48,accesses=20000", "skylake-sp", false, 0), 0);
}

Test(noalloc, tlb_hits_in_runs)
{
	cr_assert_eq(measured_allocs("pages=48,accesses=20000", "skylake-sp", true, 0), 0);
}

Test(noalloc, walks_native_and_2d)
{
	/* 4096 pages: beyond the STLB, every access walks */
	cr_assert_eq(measured_allocs("pages=4096,accesses=20000", "skylake-sp", true, 15000), 0);
	cr_assert_eq(measured_allocs("pages=4096,accesses=20000", "sapphire-rapids-2d", true,
				     15000), 0);
}

Test(noalloc, the_counter_counts)
{
#ifdef NOALLOC_SKIP
	cr_skip_test("allocation counting is off under AddressSanitizer");
#else
	msim_machine *m;

	allocs = 0;
	counting = 1;
	cr_assert_eq(msim_machine_create(&m, NULL), 0);
	counting = 0;
	msim_machine_free(m);
	cr_assert_gt(allocs, 0, "interposition must see the library's mallocs");
#endif
}
