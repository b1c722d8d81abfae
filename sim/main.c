/*
 * mmu-sim: command-line front end. Every subcommand is a thin layer over
 * the library (include/mmu_sim/).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "cli.h"

/*
 * Subcommands implemented in their own files; weak so that a tree in
 * which one is not built yet still links and says so.
 */
int msim_cli_convert(int argc, char **argv) __attribute__((weak));
int msim_cli_import(int argc, char **argv) __attribute__((weak));
int msim_cli_record(int argc, char **argv) __attribute__((weak));

static const char usage[] =
	"usage: mmu-sim <command> [options] [args]\n"
	"\n"
	"Cycle-level simulator of x86 address translation under KVM.\n"
	"\n"
	"Commands:\n"
	"  replay TRACE      replay a trace on one machine/policy; print statistics\n"
	"  compare TRACE     replay one trace under several KVM policies side by side\n"
	"  sweep TRACE...    a grid of traces x cost presets x policies on all cores (CSV)\n"
	"  merge CSV...      join `sweep --shard K/N` outputs into the unsharded one\n"
	"  import-sched F    a recorded sched_switch sequence as CR3 switches\n"
	"  convert IN OUT    convert a trace between text and binary (lossless)\n"
	"  gen WORKLOAD      generate a synthetic workload trace\n"
	"  import FTRACE     turn a tracefs/trace-cmd recording into a native trace\n"
	"  validate TRACE    replay a recorded trace and check the model's predictions\n"
	"  record            run scenarios on real KVM (/dev/kvm) and record ftrace\n"
	"  oracle            differential test of the walker against QEMU/TCG\n"
	"  help [TOPIC]      this text; topics: events, policies, presets, workloads\n"
	"\n"
	"`mmu-sim <command> --help` explains each command with examples.\n"
	"Exit status: 0 success, 1 failure or validation mismatch, 2 bad input.\n";

static int help_events(void)
{
	printf("Trace events (text form; see traces/FORMAT.md):\n\n");
	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++) {
		const msim_event_spec *sp = msim_event_spec_get(t);

		printf("  %-8s %s\n", sp->name, sp->help);
		for (unsigned a = 0; a < sp->nargs; a++)
			printf("      %s%s%s  %s\n", sp->args[a].positional ? "" : "",
			       sp->args[a].name, sp->args[a].positional ? " (positional)" :
			       sp->args[a].required ? "= (required)" : "=", sp->args[a].help);
	}
	printf("\nExpectation kinds (`expect KIND ...`):\n\n");
	for (unsigned k = 0; msim_expect_spec_get(k); k++) {
		const msim_event_spec *sp = msim_expect_spec_get(k);

		printf("  %-8s %s\n", sp->name, sp->help);
	}
	return CLI_OK;
}

static int help_workloads(void)
{
	const char *const *w = msim_gen_workloads();

	if (!*w)
		printf("No workload generators are built into this library yet.\n");
	for (; *w; w++)
		printf("%s\n%s\n\n", *w, msim_gen_help(*w));
	return CLI_OK;
}

static int help_policies(void)
{
	printf("KVM policies (--kvm POLICY, compare -p POLICY): comma-separated\n"
	       "key=value pairs applied left to right; preset= resets to a preset.\n\n"
	       "Kernel presets:\n");
	for (const char *const *p = msim_kvm_preset_names(); *p; p++)
		printf("  preset=%-9s %s\n", *p, msim_kvm_preset_help(*p));
	printf("\nKeys:\n"
	       "  mmu=shadow|legacy-tdp|tdp-mmu   KVM's MMU implementation\n"
	       "  policy=unload|keep-roots|per-caller\n"
	       "                                  what kvm_mmu_reset_context does with roots\n"
	       "                                  (upstream unload; keep roots whose role is\n"
	       "                                  unchanged; per-caller: only the CR0/CR4 callers\n"
	       "                                  keep, as Sean Christopherson proposed, Feb 2022)\n"
	       "  prev_roots=0..16                size of the prev_roots LRU (upstream 3)\n"
	       "  zap_flush=batched|per-table     remote flushes of a zap (Ben Gardon, \"Batch TLB\n"
	       "                                  flushes for a single zap\", Nov 2021)\n"
	       "  nested_flush=era|every-switch|tag  L1<->L2 transition flushes (nested VPID)\n"
	       "  kernel=X.Y  vendor=intel|amd  vpid=0|1  pae_free_early=0|1 (PAE root\n"
	       "                                  freed before the prev_roots lookup, Feb 2022)\n"
	       "  flush_on_reuse=0|1  ept_ad=0|1  tdp_level=4|5  max_mmu_pages=N\n"
	       "\nExample: --kvm preset=5.18,mmu=tdp-mmu,policy=keep-roots,prev_roots=7\n");
	return CLI_OK;
}

static int help_presets(void)
{
	printf("Cycle-model CPU presets (--cost NAME; override any parameter with\n"
	       "--cost-file FILE holding `key = value` lines):\n\n");
	for (const char *const *p = msim_cost_preset_names(); *p; p++)
		printf("  %-20s %s\n", *p, msim_cost_preset_help(*p));
	printf("\nKVM kernel presets: `mmu-sim help policies`.\n");
	return CLI_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "events"))
		return help_events();
	if (!strcmp(argv[1], "workloads"))
		return help_workloads();
	if (!strcmp(argv[1], "policies"))
		return help_policies();
	if (!strcmp(argv[1], "presets"))
		return help_presets();
	cli_error("unknown help topic '%s' (events, policies, presets, workloads)", argv[1]);
	return CLI_BADINPUT;
}

static int not_built(const char *cmd)
{
	cli_error("'%s' is not built into this version of mmu-sim yet", cmd);
	return CLI_FAIL;
}

static int run(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_BADINPUT;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version")) {
		printf("mmu-sim %s\n", msim_version());
		return CLI_OK;
	}
	if (!strcmp(cmd, "replay"))
		return cli_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cli_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "sweep"))
		return cli_sweep(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cli_merge(argc - 1, argv + 1);
	if (!strcmp(cmd, "import-sched"))
		return cli_import_sched(argc - 1, argv + 1);
	if (!strcmp(cmd, "gen"))
		return cli_gen(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return cli_validate(argc - 1, argv + 1);
	if (!strcmp(cmd, "convert"))
		return msim_cli_convert ? msim_cli_convert(argc - 1, argv + 1) : not_built(cmd);
	if (!strcmp(cmd, "import"))
		return msim_cli_import ? msim_cli_import(argc - 1, argv + 1) : not_built(cmd);
	if (!strcmp(cmd, "record"))
		return msim_cli_record ? msim_cli_record(argc - 1, argv + 1) : not_built(cmd);
	if (!strcmp(cmd, "oracle"))
		return cli_oracle(argc - 1, argv + 1);
	cli_error("unknown command '%s'", cmd);
	fputs(usage, stderr);
	return CLI_BADINPUT;
}

int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	/* every command's output reaches stdout: a failed final write is an error */
	errno = 0;
	if (rc == CLI_OK && (fflush(stdout) || ferror(stdout) || fclose(stdout))) {
		cli_error("error writing standard output: %s",
			  errno ? strerror(errno) : "write error");
		rc = CLI_FAIL;
	}
	return rc;
}
