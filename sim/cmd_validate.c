/*
 * `mmu-sim validate`: replay a recorded trace and compare the model's
 * predictions with the expectation lines recorded from real KVM.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char validate_help[] =
	"usage: mmu-sim validate TRACE [--preset KERNEL | --kvm POLICY] [options]\n"
	"\n"
	"Replay the input events of TRACE and compare, per input event, what the\n"
	"model does with the trace's `expect` lines (recorded from real KVM by\n"
	"`mmu-sim record` + `mmu-sim import`, or derived from the architecture).\n"
	"Prints matched/total per category (root, sp, zap, flush, sync, walk, pf,\n"
	"ad, ...) and the first divergences with their line numbers. Exits 0 only\n"
	"if everything matches, 1 on any divergence, 2 on a malformed trace.\n"
	"\n"
	"  --preset KERNEL     same as --kvm preset=KERNEL (e.g. 6.18-pvm)\n"
	"  --show N            divergences to print (default 10, at most 64)\n"
	"\n%s\n"
	"Examples:\n"
	"  mmu-sim validate traces/walk-demo.trace          # bare metal walker\n"
	"  mmu-sim validate --preset 6.18-pvm traces/kvm/wp-toggle.trace\n";

int cli_validate(int argc, char **argv)
{
	struct cli_machine_args a;
	msim_validate_opts vo = MSIM_VALIDATE_OPTS_INIT;
	msim_validate_report *rep;
	struct cli_out out;
	const char *trace = NULL;
	char preset[96];
	int r;

	cli_machine_args_init(&a);
	for (int i = 1; i < argc; i++) {
		int c = cli_machine_opt(&a, argc, argv, &i);

		if (c < 0)
			return CLI_BADINPUT;
		if (c)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf(validate_help, cli_machine_help);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--preset") && i + 1 < argc) {
			snprintf(preset, sizeof(preset), "preset=%s", argv[++i]);
			a.mo.kvm = preset;
		} else if (!strcmp(argv[i], "--show") && i + 1 < argc) {
			char *end;
			unsigned long n = strtoul(argv[++i], &end, 10);
			if (*end || n > MSIM_VALIDATE_MAX_DIVERGENCES) {
				cli_error("--show: '%s' is not 0..%d", argv[i],
					  MSIM_VALIDATE_MAX_DIVERGENCES);
				return CLI_BADINPUT;
			}
			vo.max_divergences = (unsigned)n;
		} else if (cli_take_trace("validate", argv[i], &trace)) {
			return CLI_BADINPUT;
		}
	}
	if (cli_need_trace("validate", trace))
		return CLI_BADINPUT;
	if (cli_out_same_file(a.output, trace))
		return CLI_BADINPUT;
	vo.machine = a.mo;
	rep = malloc(sizeof(*rep));
	if (!rep) {
		cli_error("out of memory");
		return CLI_FAIL;
	}
	r = msim_validate(trace, &vo, rep);
	if (r) {
		cli_error("%s", msim_last_error());
		free(rep);
		return cli_exit_code(r);
	}
	if (cli_out_open(&out, a.output)) {
		free(rep);
		return CLI_FAIL;
	}
	if (msim_validate_write(rep, out.f, a.format)) {
		cli_out_abort(&out);
		free(rep);
		return CLI_FAIL;
	}
	r = cli_out_commit(&out) ? CLI_FAIL : msim_validate_ok(rep) ? CLI_OK : CLI_FAIL;
	free(rep);
	return r;
}
