/*
 * gen latctx (lmbench lat_ctx as a trace): per hop under PTI the running
 * process's syscall entry loads its kernel CR3, the scheduler loads the
 * next process's kernel CR3 (switch_mm_irqs_off), and the return to user
 * mode its user CR3 -- three MOV CR3 per hop -- around kws kernel and uws
 * user accesses; without PTI only the switch writes CR3.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mmu_sim/mmu_sim.h"

struct counts {
	unsigned cr3, kacc, uacc;
	uint64_t first_cr3, seq[32];
	unsigned nseq;
};

static int gen(const char *params, struct counts *c)
{
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;
	msim_trace_writer *w;
	msim_trace_reader *rd;
	msim_event ev;
	FILE *f = tmpfile();
	int r;

	memset(c, 0, sizeof(*c));
	o.params = params;
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	r = msim_gen("latctx", &o, w);
	msim_trace_writer_flush(w);
	msim_trace_writer_free(w);
	if (r) {
		fclose(f);
		return r;
	}
	rewind(f);
	cr_assert_eq(msim_trace_open_stream(&rd, f, "latctx"), 0);
	while (!msim_trace_next(rd, &ev)) {
		if (ev.type == MSIM_EV_SREGS)
			c->first_cr3 = ev.arg[1];
		if (ev.type == MSIM_EV_CR3) {
			if (c->nseq < 32)
				c->seq[c->nseq++] = ev.arg[0];
			c->cr3++;
		}
		if (ev.type == MSIM_EV_ACCESS)
			*(ev.arg[1] >> 47 ? &c->kacc : &c->uacc) += 1;
	}
	msim_trace_close(rd);
	fclose(f);
	return 0;
}

Test(gen_latctx, three_cr3_writes_per_hop_under_pti)
{
	struct counts c;

	cr_assert_eq(gen("procs=3,hops=6,kws=4,uws=2", &c), 0, "%s", msim_last_error());
	cr_assert_eq(c.cr3, 18);
	cr_assert_eq(c.kacc, 24);
	cr_assert_eq(c.uacc, 12);
	/* hop 0: kernel CR3 of 0, kernel CR3 of 1, user CR3 of 1; hop 1:
	 * kernel CR3 of 1 again ... and the ring comes back to 0 at hop 2 */
	cr_assert_eq(c.seq[3], c.seq[1]);
	cr_assert_neq(c.seq[2], c.seq[1]);
	cr_assert_eq(c.seq[7], c.seq[0]);
	/* process 0 starts in user mode: not its kernel CR3 */
	cr_assert_neq(c.first_cr3, c.seq[0]);
}

Test(gen_latctx, one_cr3_write_per_hop_without_pti)
{
	struct counts c;

	cr_assert_eq(gen("procs=2,hops=5,pti=0,kws=2,uws=1", &c), 0);
	cr_assert_eq(c.cr3, 5);
	cr_assert_eq(c.kacc, 10);
	cr_assert_eq(c.uacc, 5);
	cr_assert_eq(c.first_cr3, c.seq[1]); /* 0 -> 1 -> 0 */
}

Test(gen_latctx, refusals)
{
	struct counts c;

	cr_assert_eq(gen("procs=1", &c), MSIM_EINVAL);
	cr_assert(strstr(msim_last_error(), "procs must be >= 2"));
	cr_assert_eq(gen("kws=1", &c), MSIM_EINVAL);
	cr_assert_eq(gen("hops=1,size=3", &c), MSIM_EINVAL);
}
