/*
 * import-sched: the recorded next-task sequence of one CPU becomes MOV CR3
 * switches; idle (pid 0) and kernel threads switch nothing (lazy TLB: the
 * borrowed mm stays loaded, switch_mm_irqs_off() is not reached for them),
 * and a switch back to the loaded mm writes no CR3. Both text forms
 * (tracefs, trace-cmd report) give the same events.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mmu_sim/mmu_sim.h"

#define PFX "          x-1     [%03u] d..2.   %u.000001: sched_switch: "

static void put_tracefs(FILE *f, unsigned cpu, const char *next, unsigned pid)
{
	fprintf(f, PFX "prev_comm=p prev_pid=9 prev_prio=120 prev_state=S ==> "
		"next_comm=%s next_pid=%u next_prio=120\n", cpu, cpu, next, pid);
}

static void put_tracecmd(FILE *f, unsigned cpu, const char *next, unsigned pid)
{
	fprintf(f, "            x-1     [%03u]  %u.000001: sched_switch:         "
		"p:9 [120] S ==> %s:%u [120]\n", cpu, cpu, next, pid);
}

/* CPU 0: A B idle B kworker/0:1 A C; CPU 1: one switch to D */
static void write_pattern(const char *path, void (*put)(FILE *, unsigned, const char *, unsigned))
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "# tracer: nop\n");
	put(f, 0, "A", 10);
	put(f, 0, "B", 11);
	put(f, 0, "swapper/0", 0);
	put(f, 1, "D", 13);
	put(f, 0, "B", 11);
	put(f, 0, "kworker/0:1", 40);
	put(f, 0, "A", 10);
	put(f, 0, "C", 12);
	fclose(f);
}

struct seen {
	uint64_t sregs_cr3, cr3[16];
	unsigned ncr3;
};

static int import_and_scan(const char *in, int cpu, struct seen *s, msim_sched_info *info)
{
	char out[] = "/tmp/msim-sched-XXXXXX";
	int fd = mkstemp(out);
	FILE *f = fdopen(fd, "w+");
	msim_trace_writer *w;
	msim_sched_opts o = MSIM_SCHED_OPTS_INIT;
	msim_trace_reader *rd;
	msim_event ev;
	int r;

	o.cpu = cpu;
	o.ws = 1;
	cr_assert_eq(msim_trace_writer_create(&w, f, MSIM_TRACE_TEXT), 0);
	r = msim_sched_import(in, &o, w, info);
	msim_trace_writer_flush(w);
	msim_trace_writer_free(w);
	fclose(f);
	memset(s, 0, sizeof(*s));
	if (!r) {
		cr_assert_eq(msim_trace_open(&rd, out), 0);
		while (!msim_trace_next(rd, &ev)) {
			if (ev.type == MSIM_EV_SREGS)
				s->sregs_cr3 = ev.arg[1];
			if (ev.type == MSIM_EV_CR3 && s->ncr3 < 16)
				s->cr3[s->ncr3++] = ev.arg[0];
		}
		msim_trace_close(rd);
	}
	remove(out);
	return r;
}

Test(sched, lazy_tlb_sequence_from_tracefs_text)
{
	const char *in = "/tmp/msim-sched-tracefs.txt";
	msim_sched_info info;
	struct seen s;

	write_pattern(in, put_tracefs);
	cr_assert_eq(import_and_scan(in, -1, &s, &info), 0, "%s", msim_last_error());
	cr_assert_eq(info.switches, 8);
	cr_assert_eq(info.cpus, 2);
	cr_assert_eq(info.cpu, 0); /* the busiest */
	cr_assert_eq(info.cpu_switches, 7);
	cr_assert_eq(info.procs, 3);        /* A B C; idle and kworker have no mm */
	cr_assert_eq(info.mm_switches, 4);  /* A, B, A, C */
	/* starts in A; then CR3 to B, back to A, to C */
	cr_assert_eq(s.ncr3, 3);
	cr_assert_neq(s.cr3[0], s.sregs_cr3);
	cr_assert_eq(s.cr3[1], s.sregs_cr3);
	cr_assert_neq(s.cr3[2], s.sregs_cr3);
	cr_assert_neq(s.cr3[2], s.cr3[0]);
	remove(in);
}

Test(sched, trace_cmd_report_form_gives_the_same_events)
{
	const char *a = "/tmp/msim-sched-a.txt", *b = "/tmp/msim-sched-b.txt";
	msim_sched_info ia, ib;
	struct seen sa, sb;

	write_pattern(a, put_tracefs);
	write_pattern(b, put_tracecmd);
	cr_assert_eq(import_and_scan(a, -1, &sa, &ia), 0);
	cr_assert_eq(import_and_scan(b, -1, &sb, &ib), 0, "%s", msim_last_error());
	cr_assert_eq(sb.ncr3, sa.ncr3);
	cr_assert_eq(memcmp(sa.cr3, sb.cr3, sizeof(sa.cr3)), 0);
	cr_assert_eq(ib.mm_switches, ia.mm_switches);
	remove(a);
	remove(b);
}

Test(sched, chosen_cpu_and_refusals)
{
	const char *in = "/tmp/msim-sched-c.txt";
	msim_sched_info info;
	struct seen s;
	FILE *f;

	write_pattern(in, put_tracefs);
	/* CPU 1 ran only D: one address space, no switch */
	cr_assert_eq(import_and_scan(in, 1, &s, &info), 0);
	cr_assert_eq(info.procs, 1);
	cr_assert_eq(s.ncr3, 0);
	cr_assert_eq(import_and_scan(in, 5, &s, &info), MSIM_ERANGE);
	cr_assert(strstr(msim_last_error(), "no sched_switch on CPU 5"));

	f = fopen(in, "w");
	fprintf(f, "# tracer: nop\n");
	put_tracefs(f, 0, "A", 10);
	fprintf(f, PFX "prev_comm=p prev_pid=9 ==> next_comm=B next_pid=1x2\n", 0u, 0u);
	fclose(f);
	cr_assert_eq(import_and_scan(in, -1, &s, &info), MSIM_EPARSE);
	cr_assert(strstr(msim_last_error(), "msim-sched-c.txt:3: sched_switch without a readable next task"),
		  "%s", msim_last_error());

	f = fopen(in, "w");
	fprintf(f, "# tracer: nop\n  x-1 [000] 1.0: kvm_exit: reason npf\n");
	fclose(f);
	cr_assert_eq(import_and_scan(in, -1, &s, &info), MSIM_EINVAL);
	cr_assert(strstr(msim_last_error(), "no sched_switch event in 2 lines"));
	cr_assert(strstr(msim_last_error(), "trace-cmd record -e sched:sched_switch"));
	remove(in);
}
