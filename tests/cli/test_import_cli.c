/*
 * `mmu-sim import` / `mmu-sim record` command contract: exit codes
 * (0 ok, 1 runtime failure, 2 bad usage/input), file:line errors,
 * summary file, atomic output.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/msim-import-cli-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static char *slurp(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	char *s = calloc(1, 1 << 20);
	size_t n = fread(s, 1, (1 << 20) - 1, f);
	s[n] = 0;
	fclose(f);
	return s;
}

/* Run `mmu-sim ARGS` in dir; stderr into dir/err. */
static int run(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >out.txt 2>err.txt </dev/null",
		 dir, MSIM_CLI, args);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void write_file(const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

#define PFX "  rec-42  [000] ...1.  100.000001: "

TestSuite(import_cli, .init = setup, .fini = teardown);

Test(import_cli, help_and_usage_errors)
{
	cr_assert_eq(run("import --help"), 0);
	char *o = slurp("out.txt");
	cr_assert(strstr(o, "usage: mmu-sim import"), "%s", o);
	free(o);
	cr_assert_eq(run("import"), 2);
	cr_assert_eq(run("import x.ftrace"), 2); /* no -o */
	cr_assert_eq(run("import --bogus x -o y"), 2);
	cr_assert_eq(run("record --help"), 0);
	o = slurp("out.txt");
	cr_assert(strstr(o, "usage: mmu-sim record"), "%s", o);
	cr_assert(strstr(o, "cr3rr"), "the scenario list is in the help");
	free(o);
	cr_assert_eq(run("record -o x.ftrace"), 2); /* no scenario */
	cr_assert_eq(run("record --scenario nosuch -o x.ftrace"), 2);
	cr_assert_eq(run("record --scenario wp --script a -o x"), 2);
}

Test(import_cli, list_scenarios)
{
	cr_assert_eq(run("record --list"), 0);
	char *o = slurp("out.txt");
	cr_assert_str_eq(o, "wp\ncr3rr\ncr4efer\npte\nptwrite\npcid\nrandom\n");
	free(o);
}

Test(import_cli, malformed_input_names_file_and_line_exit_2)
{
	write_file("bad.ftrace", "# tracer: nop\n"
		   PFX "tracing_mark_write: msim: cr3 0x1000\n"
		   "this is not ftrace\n");
	cr_assert_eq(run("import bad.ftrace -o bad.trace"), 2);
	char *e = slurp("err.txt");
	cr_assert(strstr(e, "bad.ftrace:3: not an ftrace event line"), "%s", e);
	free(e);
	cr_assert_null(slurp("bad.trace"), "no output on failure");
	cr_assert_null(slurp("bad.trace.tmp"), "no temporary left");
	cr_assert_eq(run("import missing.ftrace -o x.trace"), 1);
}

Test(import_cli, summary_file_and_output)
{
	write_file("ok.ftrace", "# tracer: nop\n"
		   PFX "tracing_mark_write: msim: cr3 0x1000\n"
		   PFX "kvm_pio: rw=0x1 (1) port=0x10 (16) size=0x1 (1) count=0x1 (1) val=0x0 (0)\n"
		   PFX "tracing_mark_write: msim: # done\n");
	cr_assert_eq(run("import ok.ftrace -o ok.trace --summary ok.sum"), 0);
	char *t = slurp("ok.trace"), *s = slurp("ok.sum"), *e = slurp("err.txt");
	cr_assert_str_eq(t, "mmu-sim-trace 1\n# imported from ok.ftrace by mmu-sim import\n"
			    "cr3 0x1000\n# done\n");
	cr_assert(strstr(s, "lines 4\nheader-lines 1\ninputs 1\ncomments 1\n"), "%s", s);
	cr_assert(strstr(s, "\nused tracing_mark_write 2\nignored kvm_pio 1\n"), "%s", s);
	cr_assert_str_eq(e, "", "summary went to the file, not stderr");
	free(t);
	free(s);
	free(e);
	/* without --summary it goes to stderr */
	cr_assert_eq(run("import ok.ftrace -o ok2.trace"), 0);
	e = slurp("err.txt");
	cr_assert(strstr(e, "ignored kvm_pio 1"), "%s", e);
	free(e);
}

Test(import_cli, record_without_kvm_or_root_fails_clearly)
{
	if (access("/dev/kvm", R_OK | W_OK) == 0)
		cr_skip_test("/dev/kvm is usable here: the no-KVM path cannot be exercised");
	cr_assert_eq(run("record --scenario wp -o x.ftrace"), 1);
	char *e = slurp("err.txt");
	cr_assert(strstr(e, "/dev/kvm"), "%s", e);
	free(e);
}
