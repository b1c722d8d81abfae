/*
 * `mmu-sim replay` and `mmu-sim compare`.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char replay_help[] =
	"usage: mmu-sim replay [options] TRACE\n"
	"\n"
	"Replay TRACE (text or binary, '-' for stdin) on one simulated machine and\n"
	"print its statistics: event counts, TLB/walk counters, KVM MMU actions and\n"
	"the cycle breakdown by cause (counters named cycles.*).\n"
	"\n"
	"  -v, --verbose       print each event with its outcome (translation, #PF\n"
	"                      error code and CR2, #GP) before the statistics\n"
	"  --events N          stop after N events\n"
	"\n%s\n"
	"Examples:\n"
	"  mmu-sim replay traces/wp-storm.trace\n"
	"  mmu-sim replay --kvm preset=6.4,mmu=tdp-mmu --format csv -o out.csv t.trace\n"
	"  mmu-sim replay -v traces/walk-demo.trace      # check single walks\n";

static void print_event_result(void *ctx, const msim_event *ev,
			       const msim_event_result *res)
{
	FILE *f = ctx;
	char buf[512];

	if (ev->type == MSIM_EV_EXPECT || ev->type == MSIM_EV_WRMEM)
		return;
	if (msim_event_format(ev, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(event type %u)", ev->type);
	fprintf(f, "%6" PRIu64 ": vcpu %" PRIu32 " %-40s", ev->line, ev->vcpu, buf);
	if (res->gp)
		fprintf(f, " -> #GP(0) (%s)", res->gp_why ? res->gp_why : "");
	else if (ev->type == MSIM_EV_ACCESS) {
		switch (res->fault.kind) {
		case MSIM_FAULT_NONE:
			fprintf(f, " -> gpa 0x%" PRIx64 " (%" PRIu64 "K page)", res->gpa,
				res->page_size >> 10);
			break;
		case MSIM_FAULT_PF:
			fprintf(f, " -> #PF ec=0x%" PRIx32 " cr2=0x%" PRIx64,
				res->fault.pf_ec, res->fault.cr2);
			break;
		case MSIM_FAULT_GP:
			fprintf(f, " -> #GP(0) (non-canonical)");
			break;
		case MSIM_FAULT_EPT_VIOLATION:
			fprintf(f, " -> EPT violation qual=0x%" PRIx64 " gpa=0x%" PRIx64,
				res->fault.exit_qual, res->fault.gpa);
			break;
		case MSIM_FAULT_EPT_MISCONFIG:
			fprintf(f, " -> EPT misconfig gpa=0x%" PRIx64, res->fault.gpa);
			break;
		case MSIM_FAULT_NPF:
			fprintf(f, " -> #NPF info1=0x%" PRIx64 " info2=0x%" PRIx64,
				res->fault.exitinfo1, res->fault.exitinfo2);
			break;
		}
	}
	if (res->cycles)
		fprintf(f, " [%" PRIu64 " cycles]", res->cycles);
	fputc('\n', f);
}

int cli_replay(int argc, char **argv)
{
	struct cli_machine_args a;
	msim_replay_opts ro = MSIM_REPLAY_OPTS_INIT;
	struct cli_progress prog;
	struct cli_out out;
	msim_machine *m = NULL;
	const char *trace = NULL;
	uint64_t max_events = 0;
	int r;

	cli_machine_args_init(&a);
	for (int i = 1; i < argc; i++) {
		int c = cli_machine_opt(&a, argc, argv, &i);

		if (c < 0)
			return CLI_BADINPUT;
		if (c)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf(replay_help, cli_machine_help);
			return CLI_OK;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			a.verbose = 1;
		} else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
			char *end;
			max_events = strtoull(argv[++i], &end, 0);
			if (*end || !max_events) {
				cli_error("--events: '%s' is not a positive number", argv[i]);
				return CLI_BADINPUT;
			}
		} else if (cli_take_trace("replay", argv[i], &trace)) {
			return CLI_BADINPUT;
		}
	}
	if (cli_need_trace("replay", trace))
		return CLI_BADINPUT;
	if (cli_out_same_file(a.output, trace))
		return CLI_BADINPUT;
	if (cli_out_open(&out, a.output))
		return CLI_FAIL;
	cli_progress_init(&prog, "replay", a.quiet || a.verbose);
	ro.machine = a.mo;
	ro.progress = cli_progress_cb;
	ro.progress_ctx = &prog;
	ro.max_events = max_events;
	if (a.verbose) {
		ro.on_event = print_event_result;
		ro.event_ctx = out.f;
	}
	r = msim_replay(trace, &ro, &m);
	cli_progress_done(&prog);
	if (r) {
		cli_error("%s", msim_last_error());
		cli_out_abort(&out);
		return cli_exit_code(r);
	}
	r = msim_stats_write(msim_machine_stats(m), out.f, a.format);
	msim_machine_free(m);
	if (r) {
		cli_error("%s", msim_last_error());
		cli_out_abort(&out);
		return CLI_FAIL;
	}
	return cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
}

/* ------------------------------------------------------------ compare */

static const char compare_help[] =
	"usage: mmu-sim compare [options] (--presets LIST | -p POLICY ...) TRACE\n"
	"\n"
	"Replay TRACE once per KVM policy and print the statistics side by side,\n"
	"with a ratio column of each policy against the first. Answers questions\n"
	"such as \"what does dropping every root on a CR0.WP toggle cost compared\n"
	"with keeping roots whose role did not change?\".\n"
	"\n"
	"  --presets A,B,...   one column per kernel preset (same as -p preset=A ...)\n"
	"  -p, --policy P      one column for policy string P; repeat for more\n"
	"                      (P may hold commas: 'preset=5.18,policy=keep-roots')\n"
	"  --bare              add a first column without KVM (bare metal)\n"
	"\n%s\n"
	"Examples:\n"
	"  mmu-sim compare --presets 5.10,5.18,6.4 traces/wp-storm.trace\n"
	"  mmu-sim compare -p preset=6.18-pvm,policy=unload \\\n"
	"                  -p preset=6.18-pvm,policy=keep-roots traces/wp-storm.trace\n";

#define MAX_POLICIES 32

static int add_policy(char **pol, unsigned *n, const char *p)
{
	if (*n >= MAX_POLICIES) {
		cli_error("compare: at most %d policies", MAX_POLICIES);
		return -1;
	}
	pol[*n] = strdup(p);
	if (!pol[*n]) {
		cli_error("out of memory");
		return -1;
	}
	(*n)++;
	return 0;
}

static int add_presets(char **pol, unsigned *n, const char *list)
{
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char buf[96];

		if (!len || len > 64) {
			cli_error("--presets: empty or overlong preset name in '%s'", list);
			return -1;
		}
		snprintf(buf, sizeof(buf), "preset=%.*s", (int)len, p);
		if (add_policy(pol, n, buf))
			return -1;
		p = e ? e + 1 : p + len;
	}
	return 0;
}

int cli_compare(int argc, char **argv)
{
	struct cli_machine_args a;
	char *pol[MAX_POLICIES];
	msim_machine *ms[MAX_POLICIES] = { 0 };
	const msim_stats *sets[MAX_POLICIES];
	const char *titles[MAX_POLICIES];
	unsigned n = 0;
	const char *trace = NULL;
	struct cli_out out = { 0 };
	int rc = CLI_BADINPUT, bare = 0, r;

	cli_machine_args_init(&a);
	for (int i = 1; i < argc; i++) {
		int c = cli_machine_opt(&a, argc, argv, &i);

		if (c < 0)
			goto done;
		if (c)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf(compare_help, cli_machine_help);
			rc = CLI_OK;
			goto done;
		} else if ((!strcmp(argv[i], "-p") || !strcmp(argv[i], "--policy")) &&
			   i + 1 < argc) {
			if (add_policy(pol, &n, argv[++i]))
				goto done;
		} else if (!strcmp(argv[i], "--presets") && i + 1 < argc) {
			if (add_presets(pol, &n, argv[++i]))
				goto done;
		} else if (!strcmp(argv[i], "--bare")) {
			bare = 1;
		} else if (cli_take_trace("compare", argv[i], &trace)) {
			goto done;
		}
	}
	if (cli_need_trace("compare", trace) || cli_out_same_file(a.output, trace))
		goto done;
	if (!strcmp(trace, "-")) {
		cli_error("compare: the trace is read once per policy; give a file, not stdin");
		goto done;
	}
	if (bare) {
		memmove(pol + 1, pol, n * sizeof(*pol));
		pol[0] = strdup("");
		n++;
	}
	if (n < 1) {
		cli_error("compare: give policies with --presets or -p (see --help)");
		goto done;
	}
	if (cli_out_open(&out, a.output)) {
		rc = CLI_FAIL;
		goto done;
	}
	for (unsigned k = 0; k < n; k++) {
		msim_replay_opts ro = MSIM_REPLAY_OPTS_INIT;
		struct cli_progress prog;
		char label[80];

		snprintf(label, sizeof(label), "[%u/%u] %s", k + 1, n, *pol[k] ? pol[k] : "bare");
		cli_progress_init(&prog, label, a.quiet);
		ro.machine = a.mo;
		ro.machine.kvm = pol[k];
		ro.progress = cli_progress_cb;
		ro.progress_ctx = &prog;
		r = msim_replay(trace, &ro, &ms[k]);
		cli_progress_done(&prog);
		if (r) {
			cli_error("%s: %s", *pol[k] ? pol[k] : "bare", msim_last_error());
			cli_out_abort(&out);
			rc = cli_exit_code(r);
			goto done;
		}
		sets[k] = msim_machine_stats(ms[k]);
		titles[k] = *pol[k] ? pol[k] : "bare";
	}
	r = msim_stats_write_compare(sets, titles, n, out.f, a.format);
	if (r) {
		cli_error("%s", msim_last_error());
		cli_out_abort(&out);
		rc = CLI_FAIL;
		goto done;
	}
	rc = cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
done:
	for (unsigned k = 0; k < n; k++) {
		msim_machine_free(ms[k]);
		free(pol[k]);
	}
	return rc;
}
