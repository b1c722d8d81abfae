/*
 * gen nested: L2's processes switch the way a real L2 kernel does, with a
 * MOV CR3 inside L2 (a `cr3` event between vmentry and vmexit), and every
 * VM entry loads the L2 CR3 that L2 had at the previous exit (vmcs12's
 * GUEST_CR3 is saved on exit, SDM Vol. 3C 28.3.2 / 27.3.1), never a
 * different process's CR3: with VPID tags on, a CR3 change by entry alone
 * would hand one L2 process another's translations.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "mmu_sim/mmu_sim.h"

static void check(const char *params, unsigned want_l2_cr3)
{
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;
	msim_trace_writer *w;
	msim_trace_reader *rd;
	msim_event ev;
	FILE *f = tmpfile();
	uint64_t l2cr3 = 0;
	unsigned entries = 0, l2_cr3 = 0;
	bool in_l2 = false, have = false;

	cr_assert_not_null(f);
	o.params = params;
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	cr_assert_eq(msim_gen("nested", &o, w), 0, "%s", msim_last_error());
	cr_assert_eq(msim_trace_writer_flush(w), 0);
	msim_trace_writer_free(w);
	rewind(f);
	cr_assert_eq(msim_trace_open_stream(&rd, f, "nested"), 0);
	while (!msim_trace_next(rd, &ev)) {
		if (ev.type == MSIM_EV_VMENTRY) {
			cr_assert(!in_l2);
			if (have)
				cr_assert_eq(ev.arg[4], l2cr3,
					     "entry %u loads CR3 0x%llx, L2 left 0x%llx",
					     entries, (unsigned long long)ev.arg[4],
					     (unsigned long long)l2cr3);
			l2cr3 = ev.arg[4];
			have = true;
			in_l2 = true;
			entries++;
		} else if (ev.type == MSIM_EV_VMEXIT) {
			in_l2 = false;
		} else if (ev.type == MSIM_EV_CR3) {
			cr_assert(in_l2, "a cr3 event outside L2");
			cr_assert_neq(ev.arg[0], l2cr3, "a MOV CR3 that changes nothing");
			l2cr3 = ev.arg[0];
			l2_cr3++;
		}
	}
	msim_trace_close(rd);
	fclose(f);
	cr_assert_eq(l2_cr3, want_l2_cr3);
}

Test(gen_nested, l2_switches_are_l2_cr3_writes)
{
	/* round r runs L2 process r % l2procs: a change in rounds 1..5 */
	check("rounds=6,l2procs=3,accesses=1", 5);
	check("rounds=6,l2procs=2,accesses=1,vpid=0", 5);
	/* one L2 process: CR3 never changes */
	check("rounds=6,l2procs=1,accesses=1", 0);
}
