/*
 * mmu-sim import-sched: a real process-switch pattern (sched_switch from
 * tracefs or trace-cmd report) as a replayable trace.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char sched_help[] =
	"usage: mmu-sim import-sched SCHED.txt [--cpu N] [--pti] [--pcid]\n"
	"                            [--ws N] [--binary] [-q] -o OUT\n"
	"\n"
	"Turn a recorded scheduler trace into the process-switch workload of\n"
	"`mmu-sim gen procs`, driven by the real sequence of one CPU instead\n"
	"of round-robin: every user process is an address space, a switch to\n"
	"another one is a MOV CR3 (+ a kernel read, the PTI return to the user\n"
	"CR3, and N user reads). Idle and kernel threads keep the previous\n"
	"address space loaded (lazy TLB), so they switch nothing. Each pid is\n"
	"one address space (threads of one process would share it).\n"
	"\n"
	"Input: the text of /sys/kernel/tracing/trace with sched:sched_switch\n"
	"enabled, or `trace-cmd report` of `trace-cmd record -e\n"
	"sched:sched_switch`; other lines are skipped.\n"
	"\n"
	"  --cpu N         the CPU to replay (default: the one with most switches)\n"
	"  --pti           KPTI: each switch returns through a user CR3\n"
	"  --pcid          CR3 with a PCID per process, no-flush once live\n"
	"  --ws N          user pages read after each switch, 0..4096 (default 8)\n"
	"  --binary        binary trace encoding (default: text)\n"
	"  -q, --quiet     no summary on stderr\n"
	"  -o FILE         output trace, written atomically (- for stdout)\n"
	"\n"
	"Example (the bundled recording; a root-cache comparison on it):\n"
	"  ./build/mmu-sim import-sched traces/sched/qemu-6.1-busybox-jobs.txt --pti -o s.trace\n"
	"  ./build/mmu-sim compare -p preset=6.4,mmu=shadow -p preset=6.4,mmu=shadow,prev_roots=11 s.trace\n";

int cli_import_sched(int argc, char **argv)
{
	msim_sched_opts o = MSIM_SCHED_OPTS_INIT;
	msim_sched_info info;
	msim_trace_encoding enc = MSIM_TRACE_TEXT;
	const char *in = NULL, *output = NULL;
	struct cli_out out;
	msim_trace_writer *w = NULL;
	int quiet = 0, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(sched_help, stdout);
			return CLI_OK;
		} else if (!strcmp(a, "--pti")) {
			o.pti = true;
		} else if (!strcmp(a, "--pcid")) {
			o.pcid = true;
		} else if (!strcmp(a, "--binary")) {
			enc = MSIM_TRACE_BINARY;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
			output = v;
			i++;
		} else if ((!strcmp(a, "--cpu") || !strcmp(a, "--ws")) && v) {
			unsigned long x;

			errno = 0;
			x = strtoul(v, &end, 10);
			if (!*v || *v == '-' || *v == '+' || *end || errno ||
			    x > (!strcmp(a, "--ws") ? 4096ul : 1023ul)) {
				cli_error("import-sched: %s '%s': expected 0..%s", a, v,
					  !strcmp(a, "--ws") ? "4096" : "1023");
				return CLI_BADINPUT;
			}
			if (!strcmp(a, "--ws"))
				o.ws = (unsigned)x;
			else
				o.cpu = (int)x;
			i++;
		} else if (a[0] == '-' && a[1]) {
			cli_error("import-sched: unknown or incomplete option '%s' (see --help)", a);
			return CLI_BADINPUT;
		} else if (in) {
			cli_error("import-sched: one input file only ('%s' and '%s')", in, a);
			return CLI_BADINPUT;
		} else {
			in = a;
		}
	}
	if (!in || !output) {
		cli_error("import-sched: give SCHED.txt and -o OUT (see --help)");
		return CLI_BADINPUT;
	}
	if (cli_out_open(&out, output))
		return CLI_FAIL;
	r = msim_trace_writer_create(&w, out.f, enc);
	if (!r)
		r = msim_sched_import(in, &o, w, &info);
	if (!r)
		r = msim_trace_writer_flush(w);
	msim_trace_writer_free(w);
	if (r) {
		cli_error("import-sched: %s", msim_last_error());
		cli_out_abort(&out);
		return cli_exit_code(r);
	}
	if (cli_out_commit(&out))
		return CLI_FAIL;
	if (!quiet)
		fprintf(stderr, "import-sched: %llu lines, %llu sched_switch on %u CPUs; "
			"CPU %u: %llu switches, %u processes, %llu address-space switches\n",
			(unsigned long long)info.lines,
			(unsigned long long)info.switches, info.cpus, info.cpu,
			(unsigned long long)info.cpu_switches, info.procs,
			(unsigned long long)info.mm_switches);
	return CLI_OK;
}
