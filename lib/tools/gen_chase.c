/*
 * Workload "chase": the dependent pointer chase of bench/probe.c as a
 * trace, for calibration against real hardware (traces/hw/).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "hw/chase_internal.h"
#include "tools/gen_internal.h"
#include "mmu_sim/walk.h"

static int emit(msim_trace_writer *w, unsigned type, unsigned nargs,
		uint64_t a0, uint64_t a1, uint64_t a2)
{
	msim_event ev = { 0 };

	ev.type = (uint16_t)type;
	ev.present = (uint16_t)((1u << nargs) - 1);
	ev.arg[0] = a0;
	ev.arg[1] = a1;
	ev.arg[2] = a2;
	return msim_trace_write(w, &ev);
}

static int wr_event(void *ctx, uint64_t gpa, uint64_t val)
{
	return emit(ctx, MSIM_EV_WRMEM, 2, gpa, val, 8);
}

static int chase_run(const msim_gen_opts *opts, msim_trace_writer *w)
{
	msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
	uint64_t cr3, end, *order;
	char buf[160];
	int rc;

	o.seed = opts->seed;
	if ((rc = msim_chase_parse(opts->params, &o)))
		return rc;
	order = malloc(o.pages * sizeof(*order));
	if (!order)
		return msim_err(MSIM_ENOMEM, "chase: out of memory");
	msim_chase_order(&o, order);
	snprintf(buf, sizeof(buf),
		 " chase pages=%llu order=%s pagesize=%s accesses=%llu seed=%llu",
		 (unsigned long long)o.pages, o.random ? "random" : "seq",
		 o.page_size == 4096 ? "4k" : "2m",
		 (unsigned long long)o.accesses, (unsigned long long)o.seed);
	if ((rc = msim_trace_write_comment(w, buf)) ||
	    (rc = msim_trace_write_comment(w, " one warm-up cycle, mark 1, then the measured accesses")))
		goto out;
	/* long mode: PAE + LME before PG, since setting PG with LME = 1 activates
 * IA-32e mode (SDM Vol. 3A 9.8.5); PGE as Linux runs */
	if ((rc = emit(w, MSIM_EV_CR4, 1, MSIM_CR4_PAE | MSIM_CR4_PGE, 0, 0)) ||
	    (rc = emit(w, MSIM_EV_EFER, 1, MSIM_EFER_LME | MSIM_EFER_NXE, 0, 0)))
		goto out;
	if ((rc = msim_chase_tables(&o, wr_event, w, &cr3, &end)))
		goto out;
	if ((rc = emit(w, MSIM_EV_CR3, 1, cr3, 0, 0)) ||
	    (rc = emit(w, MSIM_EV_CR0, 1,
		       MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP | 0x10, 0, 0)))
		goto out;
	for (uint64_t i = 0; i < o.pages + o.accesses; i++) {
		if (i == o.pages && (rc = emit(w, MSIM_EV_MARK, 1, 1, 0, 0)))
			goto out;
		rc = emit(w, MSIM_EV_ACCESS, 3, MSIM_ACC_READ,
			  msim_chase_va(&o, order[i % o.pages]), 3);
		if (rc)
			goto out;
	}
out:
	free(order);
	return rc;
}

const struct msim_gen_workload msim_gen_chase_workloads[] = {
	{ "chase",
	  "Dependent pointer chase over N pages (bench/probe.c as a trace).\n"
	  "  pages=N (64)       pages in the cycle, one 8-byte pointer each,\n"
	  "                     in cache line page%64 of its page\n"
	  "  order=random|seq   random cyclic order (default) or sequential\n"
	  "  pagesize=4k|2m     guest page size (4-level paging, A/D preset)\n"
	  "  accesses=N (100000) measured accesses after one warm-up cycle\n"
	  "  seed=S             order seed (default: the gen seed)\n"
	  "Models a latency microbenchmark: every TLB/cache level's reach\n"
	  "shows as a knee of latency over N (see traces/hw/README.md).",
	  chase_run },
	{ NULL, NULL, NULL },
};
