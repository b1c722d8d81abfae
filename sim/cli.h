/*
 * Shared helpers of the mmu-sim CLI: exit codes, errors, atomic output
 * files, progress bar and the machine options every subcommand takes.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_CLI_H
#define MSIM_CLI_H

#include <stdio.h>

#include "mmu_sim/mmu_sim.h"

/* Exit codes shared by every subcommand. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,    /* runtime failure, validation mismatch */
	CLI_BADINPUT = 2 /* bad usage, malformed input */
};

/* "mmu-sim: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Map a library error to an exit code (parse/range/inval -> 2, else 1). */
int cli_exit_code(int err);

/*
 * Output file written atomically: data goes to a temporary file in the
 * same directory, renamed over `path` by cli_out_commit. If the process
 * is interrupted (SIGINT/SIGTERM/SIGHUP) or cli_out_abort is called, the
 * temporary is removed and `path` is untouched. path "-" means stdout.
 * A symbolic link is followed: the temporary goes beside its target and
 * is renamed onto the target, the link stays. A non-regular target
 * (device, FIFO, /dev/stdout) is written in place; write errors on it
 * (ENOSPC on /dev/full) are reported by cli_out_commit.
 */
struct cli_out {
	FILE *f;
	char *path;
	char *tmp;
	int direct; /* non-regular target (device, FIFO): written in place */
};
/*
 * Refuse an output that names the same regular file as an input (same
 * st_dev and st_ino, so also through symlinks and hard links): reports it
 * and returns -1, else 0. Call before cli_out_open; exit CLI_BADINPUT.
 */
int cli_out_same_file(const char *out, const char *in);
int cli_out_open(struct cli_out *o, const char *path);
int cli_out_commit(struct cli_out *o);
void cli_out_abort(struct cli_out *o);

/* Progress bar on stderr, only when stderr is a terminal. */
struct cli_progress {
	int enabled;
	const char *label;
	double start;
	int last_pct;
};
void cli_progress_init(struct cli_progress *p, const char *label, int quiet);
void cli_progress_cb(void *ctx, uint64_t done, uint64_t total, uint64_t events);
void cli_progress_done(struct cli_progress *p);

/* Options shared by replay/compare/validate. */
struct cli_machine_args {
	msim_machine_opts mo;
	msim_format format;
	const char *output;
	int quiet;
	int verbose;
};

/* Defaults: MSIM_MACHINE_OPTS_INIT, table format, stdout. */
void cli_machine_args_init(struct cli_machine_args *a);

/*
 * Try to consume one shared option at argv[*i]; returns 1 if consumed
 * (advancing *i past its value), 0 if not ours, -1 on a bad value
 * (already reported).
 */
int cli_machine_opt(struct cli_machine_args *a, int argc, char **argv, int *i);

/*
 * The one positional TRACE argument of replay/compare/validate: takes
 * `arg` into *trace, or reports an unknown option / a second trace and
 * returns -1. cli_need_trace reports a missing one.
 */
int cli_take_trace(const char *cmd, const char *arg, const char **trace);
int cli_need_trace(const char *cmd, const char *trace);

/* Help text for the shared options. */
extern const char cli_machine_help[];

/* Subcommands. */
int cli_replay(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_import_sched(int argc, char **argv);
int cli_oracle(int argc, char **argv);

#endif
