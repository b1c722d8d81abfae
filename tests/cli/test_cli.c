/*
 * The CLI contract: exit codes, file:line errors, atomic outputs,
 * byte-identical reruns, validate on the architectural demo trace.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/msim-cli-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

/* Run `mmu-sim ARGS`, capture stdout/stderr into malloc'd strings. */
static int run(const char *args, char **out, char **err)
{
	char cmd[2048], po[300], pe[300];
	int st;

	snprintf(po, sizeof(po), "%s/stdout", tmpdir);
	snprintf(pe, sizeof(pe), "%s/stderr", tmpdir);
	snprintf(cmd, sizeof(cmd), "cd %s && %s %s >%s 2>%s </dev/null", MSIM_SOURCE_DIR,
		 MSIM_CLI, args, po, pe);
	st = system(cmd);
	cr_assert(WIFEXITED(st));
	for (int k = 0; k < 2; k++) {
		char **dst = k ? err : out;
		FILE *f = fopen(k ? pe : po, "r");
		size_t n = 0, cap = 1 << 20;

		*dst = calloc(1, cap);
		n = fread(*dst, 1, cap - 1, f);
		(*dst)[n] = 0;
		fclose(f);
	}
	return WEXITSTATUS(st);
}

static void write_file(const char *name, const char *text)
{
	char p[300];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Entries of tmpdir other than our capture files. */
static int count_files(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "stdout") &&
		    strcmp(e->d_name, "stderr"))
			n++;
	closedir(d);
	return n;
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, usage_and_unknown_command)
{
	char *o, *e;

	cr_assert_eq(run("", &o, &e), 2);
	cr_assert_not_null(strstr(e, "usage: mmu-sim"));
	free(o), free(e);
	cr_assert_eq(run("frobnicate", &o, &e), 2);
	cr_assert_not_null(strstr(e, "unknown command 'frobnicate'"));
	free(o), free(e);
	cr_assert_eq(run("replay --help", &o, &e), 0);
	cr_assert_not_null(strstr(o, "usage: mmu-sim replay"));
	free(o), free(e);
}

Test(cli, validate_demo_matches_architecture)
{
	char *o, *e;

	cr_assert_eq(run("validate traces/walk-demo.trace", &o, &e), 0, "%s%s", o, e);
	cr_assert_not_null(strstr(o, "pf                  4          4"), "%s", o);
	cr_assert_not_null(strstr(o, "0 divergences"));
	free(o), free(e);
}

Test(cli, validate_reports_divergence_with_line)
{
	char *o, *e, args[400];

	write_file("bad.trace", "mmu-sim-trace 1\n"
				"access r 0x1000\n"
				"expect ok gva=0x1000 gpa=0x2000\n");
	snprintf(args, sizeof(args), "validate %s/bad.trace", tmpdir);
	/* paging is off: LA 0x1000 is PA 0x1000 (SDM Vol. 3A 4.1), not 0x2000 */
	cr_assert_eq(run(args, &o, &e), 1);
	cr_assert_not_null(strstr(o, "line 3: recorded `expect ok gva=0x1000 gpa=0x2000`, "
				     "model `expect ok gva=0x1000 gpa=0x1000`"), "%s", o);
	free(o), free(e);
}

Test(cli, malformed_trace_exit_2_file_line_no_output_left)
{
	char *o, *e, args[600];

	write_file("m.trace", "mmu-sim-trace 1\ncr0 0x11\ncr4 zzz\n");
	snprintf(args, sizeof(args), "replay %s/m.trace -o %s/out.csv --format csv",
		 tmpdir, tmpdir);
	cr_assert_eq(run(args, &o, &e), 2);
	cr_assert_not_null(strstr(e, "m.trace:3:"), "%s", e);
	cr_assert_eq(count_files(), 1, "output or temporary file left behind");
	free(o), free(e);
}

Test(cli, impossible_sregs_is_bad_input)
{
	char *o, *e, args[400];

	write_file("s.trace", "mmu-sim-trace 1\n# comment\nsregs cr0=0x80000000 cr3=0 cr4=0 efer=0\n");
	snprintf(args, sizeof(args), "replay %s/s.trace", tmpdir);
	cr_assert_eq(run(args, &o, &e), 2);
	cr_assert_not_null(strstr(e, "s.trace:3: sregs: CR0.PG=1 with CR0.PE=0"), "%s", e);
	free(o), free(e);
}

Test(cli, replay_is_byte_identical_and_output_atomic)
{
	char *o1, *e1, *o2, *e2, args[600];

	snprintf(args, sizeof(args), "replay traces/walk-demo.trace --format json -o %s/a.json",
		 tmpdir);
	cr_assert_eq(run(args, &o1, &e1), 0, "%s", e1);
	cr_assert_eq(count_files(), 1);
	free(o1), free(e1);
	cr_assert_eq(run("replay traces/walk-demo.trace --format json", &o1, &e1), 0);
	cr_assert_eq(run("replay traces/walk-demo.trace --format json", &o2, &e2), 0);
	cr_assert_str_eq(o1, o2);
	cr_assert_not_null(strstr(o1, "\"access.pf\": 4"));
	free(o1), free(e1), free(o2), free(e2);
}

Test(cli, bad_option_values)
{
	char *o, *e;

	cr_assert_eq(run("replay --vcpus 0 traces/walk-demo.trace", &o, &e), 2);
	cr_assert_not_null(strstr(e, "--vcpus"));
	free(o), free(e);
	cr_assert_eq(run("replay --vcpus 99999999999999999999999 traces/walk-demo.trace", &o, &e), 2);
	free(o), free(e);
	cr_assert_eq(run("replay --format xml traces/walk-demo.trace", &o, &e), 2);
	cr_assert_not_null(strstr(e, "'xml' is not table, csv or json"));
	free(o), free(e);
	cr_assert_eq(run("gen no-such-workload", &o, &e), 2);
	free(o), free(e);
	cr_assert_eq(run("replay /nonexistent/x.trace", &o, &e), 1);
	cr_assert_not_null(strstr(e, "/nonexistent/x.trace"));
	free(o), free(e);
}
