/*
 * `mmu-sim convert`: round trip through the CLI, exit statuses, the
 * "file:line: reason" message, and no output left behind on failure.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trace/trace_helpers.h"

#define CORPUS MSIM_SOURCE_DIR "/tests/traces/"
#define MALFORMED MSIM_SOURCE_DIR "/tests/malformed/"

static char dir[256];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "%s/trace-cli-XXXXXX", MSIM_BINARY_DIR);
	cr_assert(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Run `mmu-sim convert ARGS 2>dir/err`; returns the exit status. */
static int convert(const char *args)
{
	char cmd[8192];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' convert %s >'%s/out' 2>'%s/err'",
		 MSIM_CLI, args, dir, dir);
	st = system(cmd);
	cr_assert(WIFEXITED(st), "%s: did not exit", cmd);
	return WEXITSTATUS(st);
}

static th_buf file_in_dir(const char *name)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return th_slurp(p);
}

/* Files in dir other than the captured out/err. */
static unsigned stray_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "out") &&
		    strcmp(e->d_name, "err"))
			n++;
	closedir(d);
	return n;
}

Test(trace_cli, convert_round_trip_identical)
{
	char args[4096];
	th_buf want = th_slurp(CORPUS "all-events.trace"), bin, back;

	mkdir_tmp();
	snprintf(args, sizeof(args), "'%s' '%s/a.mtrb'", CORPUS "all-events.trace", dir);
	cr_assert_eq(convert(args), 0);
	bin = file_in_dir("a.mtrb");
	cr_assert(bin.p && bin.n > 8);
	cr_assert(!memcmp(bin.p, "MSIMTRB\1", 8), "default output is binary for text input");
	snprintf(args, sizeof(args), "'%s/a.mtrb' '%s/b.trace'", dir, dir);
	cr_assert_eq(convert(args), 0);
	back = file_in_dir("b.trace");
	cr_assert_eq(back.n, want.n);
	cr_assert(!memcmp(back.p, want.p, want.n));
	free(want.p), free(bin.p), free(back.p);
	rm_tmp();
}

Test(trace_cli, convert_to_text_canonicalises)
{
	char args[4096];
	th_buf want = th_slurp(CORPUS "noncanonical.expected"), got;

	mkdir_tmp();
	snprintf(args, sizeof(args), "'%s' '%s/c.trace' --to text",
		 CORPUS "noncanonical.trace", dir);
	cr_assert_eq(convert(args), 0);
	got = file_in_dir("c.trace");
	cr_assert_eq(got.n, want.n);
	cr_assert(!memcmp(got.p, want.p, want.n));
	free(got.p);
	/* "-" writes to stdout */
	snprintf(args, sizeof(args), "'%s' - --to=text", CORPUS "noncanonical.trace");
	cr_assert_eq(convert(args), 0);
	got = file_in_dir("out");
	cr_assert_eq(got.n, want.n);
	free(got.p), free(want.p);
	rm_tmp();
}

Test(trace_cli, malformed_exit_2_with_file_line_and_no_output)
{
	char args[4096], want[512];
	th_buf err;

	mkdir_tmp();
	snprintf(args, sizeof(args), "'%s' '%s/x.mtrb'", MALFORMED "bad-number.trace", dir);
	cr_assert_eq(convert(args), 2);
	err = file_in_dir("err");
	snprintf(want, sizeof(want), "%s:2: bad number '0x12g4' for 'gva'",
		 MALFORMED "bad-number.trace");
	cr_assert(err.p && strstr(err.p, want), "stderr: %s", err.p);
	cr_assert_eq(stray_files(), 0, "output or temporary left behind");
	free(err.p);
	rm_tmp();
}

/* An error after many good events still leaves nothing behind. */
Test(trace_cli, late_error_leaves_no_partial_output)
{
	char args[4096], src[600];
	th_buf err;
	FILE *f;

	mkdir_tmp();
	snprintf(src, sizeof(src), "%s/in.trace", dir);
	f = fopen(src, "w");
	fputs("mmu-sim-trace 1\n", f);
	for (int i = 0; i < 100000; i++)
		fprintf(f, "mark %d\n", i);
	fputs("mark 0x10000000000000000\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "'%s' '%s/o.mtrb'", src, dir);
	cr_assert_eq(convert(args), 2);
	err = file_in_dir("err");
	cr_assert(strstr(err.p, "in.trace:100002: number '0x10000000000000000' for 'id' overflows 64 bits"),
		  "stderr: %s", err.p);
	cr_assert_eq(stray_files(), 1, "only in.trace may remain");
	free(err.p);
	rm_tmp();
}

Test(trace_cli, wrong_version_exit_2)
{
	char args[4096];
	th_buf err;

	mkdir_tmp();
	snprintf(args, sizeof(args), "'%s' '%s/v.trace'", MALFORMED "wrong-version.mtrb", dir);
	cr_assert_eq(convert(args), 2);
	err = file_in_dir("err");
	cr_assert(strstr(err.p, "wrong-version.mtrb:0: unsupported binary trace version 2"),
		  "stderr: %s", err.p);
	cr_assert_eq(stray_files(), 0);
	free(err.p);
	rm_tmp();
}

Test(trace_cli, io_failures_exit_1)
{
	char args[4096];

	mkdir_tmp();
	snprintf(args, sizeof(args), "'%s/missing.trace' '%s/o.mtrb'", dir, dir);
	cr_assert_eq(convert(args), 1);
	cr_assert_eq(stray_files(), 0);
	snprintf(args, sizeof(args), "'%s' '%s/no/such/dir/o.mtrb'",
		 CORPUS "all-events.trace", dir);
	cr_assert_eq(convert(args), 1);
	rm_tmp();
}

Test(trace_cli, usage_errors_exit_2_and_help)
{
	th_buf out;

	mkdir_tmp();
	cr_assert_eq(convert(""), 2);
	cr_assert_eq(convert("a"), 2);
	cr_assert_eq(convert("a b c"), 2);
	cr_assert_eq(convert("a b --to ascii"), 2);
	cr_assert_eq(convert("a b --frobnicate"), 2);
	cr_assert_eq(convert("--help"), 0);
	out = file_in_dir("out");
	cr_assert(strstr(out.p, "usage: mmu-sim convert IN OUT [--to text|binary]"));
	free(out.p);
	rm_tmp();
}

/*
 * Interrupted mid-stream (input still open, temporary output exists):
 * SIGTERM must leave neither OUT nor the temporary behind.
 */
Test(trace_cli, interrupted_run_leaves_nothing)
{
	char out[600];
	int fds[2], st;
	pid_t pid;
	FILE *w;

	mkdir_tmp();
	snprintf(out, sizeof(out), "%s/o.mtrb", dir);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execl(MSIM_CLI, MSIM_CLI, "convert", "-", out, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	w = fdopen(fds[1], "w");
	fputs("mmu-sim-trace 1\n", w);
	for (int i = 0; i < 20000; i++)
		fprintf(w, "mark %d\n", i);
	fflush(w);
	/* wait until the converter has created its temporary file */
	for (int i = 0; i < 500 && stray_files() == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	cr_assert_eq(stray_files(), 1, "temporary output not created");
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	fclose(w);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status 0x%x", st);
	cr_assert_eq(stray_files(), 0, "interrupted run left a file");
	cr_assert_eq(access(out, F_OK), -1);
	rm_tmp();
}
