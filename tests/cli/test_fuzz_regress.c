/*
 * The fuzz harnesses as ordinary regression tests (no clang needed): each
 * harness, with its property checks, runs on every committed seed and
 * every malformed-corpus file. A fuzz finding dropped into a seed
 * directory (tests/fuzz/seeds/<harness>/) is re-checked here forever.
 * A violated property aborts, which Criterion reports as a crash.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <dirent.h>
#include <sys/stat.h>

#define LLVMFuzzerTestOneInput fuzz_text_one
#include "../fuzz/fuzz_trace_text.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_bin_one
#include "../fuzz/fuzz_trace_bin.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_import_one
#include "../fuzz/fuzz_import.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cost_one
#include "../fuzz/fuzz_cost_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cli_one
#include "../fuzz/fuzz_cli_args.c"
#undef LLVMFuzzerTestOneInput

typedef int (*harness)(const uint8_t *data, size_t size);

/* Run h on every regular file of dir; returns the number of files. */
static unsigned run_dir(harness h, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	cr_assert(d, "%s missing", dir);
	while ((e = readdir(d))) {
		char path[1024];
		struct stat st;
		th_buf b;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		b = th_slurp(path);
		cr_assert(b.p, "%s unreadable", path);
		h((const uint8_t *)b.p, b.n);
		free(b.p);
		n++;
	}
	closedir(d);
	return n;
}

#define SRC MSIM_SOURCE_DIR

Test(fuzz_regress, trace_text_on_corpora)
{
	cr_assert_gt(run_dir(fuzz_text_one, SRC "/tests/malformed"), 40);
	cr_assert_gt(run_dir(fuzz_text_one, SRC "/tests/traces"), 1);
	cr_assert_gt(run_dir(fuzz_text_one, SRC "/traces"), 0);
}

Test(fuzz_regress, trace_bin_on_seeds)
{
	cr_assert_gt(run_dir(fuzz_bin_one, SRC "/tests/fuzz/seeds/trace_bin"), 10);
}

Test(fuzz_regress, import_on_seeds)
{
	cr_assert_gt(run_dir(fuzz_import_one, SRC "/tests/fuzz/seeds/import"), 5);
}

Test(fuzz_regress, cost_config_on_seeds)
{
	cr_assert_gt(run_dir(fuzz_cost_one, SRC "/tests/fuzz/seeds/cost_config"), 3);
}

Test(fuzz_regress, cli_args_on_seeds)
{
	cr_assert_geq(run_dir(fuzz_cli_one, SRC "/tests/fuzz/seeds/cli_args"), 3);
}
