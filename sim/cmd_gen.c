/*
 * `mmu-sim gen`: write a synthetic workload trace.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char gen_help[] =
	"usage: mmu-sim gen WORKLOAD [k=v,...] [options]\n"
	"\n"
	"Generate a self-contained trace (page tables included) modelling a real\n"
	"guest behaviour. The same workload, parameters and seed always give the\n"
	"same bytes.\n"
	"\n"
	"  k=v,...             workload parameters (see `mmu-sim help workloads`)\n"
	"  --seed N            PRNG seed (default 1)\n"
	"  --binary            write the binary encoding (default: text)\n"
	"  -o, --output FILE   write to FILE atomically (default: stdout)\n"
	"\n"
	"Examples:\n"
	"  mmu-sim gen wp-storm toggles=10000 -o storm.trace\n"
	"  mmu-sim gen procs procs=5,pti=1 --seed 7 | mmu-sim replay --kvm preset=6.4 -\n"
	"  mmu-sim gen chase pages=512,order=random -o chase.trace\n";

int cli_gen(int argc, char **argv)
{
	msim_gen_opts go = MSIM_GEN_OPTS_INIT;
	msim_trace_encoding enc = MSIM_TRACE_TEXT;
	const char *name = NULL, *output = NULL;
	msim_trace_writer *w = NULL;
	struct cli_out out;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(gen_help, stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			char *end;
			errno = 0;
			go.seed = strtoull(argv[++i], &end, 0);
			if (errno || *end || argv[i][0] == '-') {
				cli_error("--seed: '%s' is not a number", argv[i]);
				return CLI_BADINPUT;
			}
		} else if (!strcmp(argv[i], "--binary")) {
			enc = MSIM_TRACE_BINARY;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) &&
			   i + 1 < argc) {
			output = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_error("gen: unknown option or missing value '%s' (see --help)", argv[i]);
			return CLI_BADINPUT;
		} else if (!name) {
			name = argv[i];
		} else if (!go.params) {
			go.params = argv[i];
		} else {
			cli_error("gen: give parameters as one k=v,k=v argument");
			return CLI_BADINPUT;
		}
	}
	if (!name) {
		cli_error("gen: no workload given; `mmu-sim help workloads` lists them");
		return CLI_BADINPUT;
	}
	if (!msim_gen_help(name)) {
		cli_error("gen: unknown workload '%s'; `mmu-sim help workloads` lists them", name);
		return CLI_BADINPUT;
	}
	if (cli_out_open(&out, output))
		return CLI_FAIL;
	r = msim_trace_writer_create(&w, out.f, enc);
	if (!r)
		r = msim_gen(name, &go, w);
	if (!r)
		r = msim_trace_writer_flush(w);
	msim_trace_writer_free(w);
	if (r) {
		cli_error("gen %s: %s", name, msim_last_error());
		cli_out_abort(&out);
		return cli_exit_code(r);
	}
	return cli_out_commit(&out) ? CLI_FAIL : CLI_OK;
}
