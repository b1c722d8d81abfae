/*
 * `mmu-sim import`: ftrace text (tracefs or trace-cmd report) -> native
 * trace with expect lines (include/mmu_sim/import.h).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "record/record.h"
#include "mmu_sim/import.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmu-sim import FTRACE -o OUT [--summary FILE]\n"
		"                      [--keep-harness] [--no-infer-cached]\n"
		"\n"
		"Converts the text of a tracefs `trace` file (default or `fields`\n"
		"output) or of `trace-cmd report` into a native text trace:\n"
		"\"msim: <line>\" markers (from `mmu-sim record`) become the input\n"
		"events, kvm/kvmmmu events become expect lines (root/sp created|found,\n"
		"zap, sync, unsync, walk, ad, pf). Without markers, kvm_cr/kvm_msr\n"
		"(EFER) writes and kvm_page_fault become the inputs.\n"
		"Walks of addresses other than the current access and shadow pages of\n"
		"the recording harness are dropped unless --keep-harness.\n"
		"A summary (lines, inputs, expect lines by kind, used/ignored events by\n"
		"name) goes to stderr or to --summary FILE. FTRACE/OUT may be '-'.\n"
		"Exit: 0 ok, 1 I/O failure, 2 bad usage or malformed input.\n");
}

int msim_cli_import(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *sum = NULL;
	msim_import_opts o = MSIM_IMPORT_OPTS_INIT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (v && !strcmp(a, "-o")) {
			out = v, i++;
		} else if (v && !strcmp(a, "--summary")) {
			sum = v, i++;
		} else if (!strcmp(a, "--keep-harness")) {
			o.keep_harness = true;
		} else if (!strcmp(a, "--no-infer-cached")) {
			o.infer_cached = false;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mmu-sim import: unknown or incomplete option '%s'\n", a);
			return 2;
		} else if (!in) {
			in = a;
		} else {
			fprintf(stderr, "mmu-sim import: more than one input file\n");
			return 2;
		}
	}
	if (!in || !out) {
		fprintf(stderr, "mmu-sim import: need FTRACE and -o OUT (see --help)\n");
		return 2;
	}
	msim_import_stats st;
	int ret = msim_import_file(in, out, &o, &st);
	if (ret < 0) {
		fprintf(stderr, "mmu-sim import: %s\n", msim_last_error());
		return ret == MSIM_EIO || ret == MSIM_ENOMEM ? 1 : 2;
	}
	FILE *f = stderr;
	if (sum && !(f = fopen(sum, "w"))) {
		perror(sum);
		return 1;
	}
	ret = msim_import_summary(&st, f);
	if (sum && fclose(f) != 0)
		ret = -1;
	if (ret < 0) {
		fprintf(stderr, "mmu-sim import: cannot write the summary\n");
		return 1;
	}
	return 0;
}
