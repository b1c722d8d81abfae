/* Statistics registry and output formats. SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_sim/stats.h"

static char *render(const msim_stats *const *sets, const char *const *titles,
		    unsigned n, msim_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(msim_stats_write_compare(sets, titles, n, f, fmt), 0);
	fclose(f);
	return buf;
}

Test(stats, register_is_idempotent_and_ordered)
{
	msim_stats *s;

	cr_assert_eq(msim_stats_create(&s), 0);
	cr_assert_eq(msim_stats_register(s, "a.x", "first"), 0);
	cr_assert_eq(msim_stats_register(s, "b.y", "second"), 1);
	cr_assert_eq(msim_stats_register(s, "a.x", "again"), 0);
	cr_assert_eq(msim_stats_count(s), 2);
	msim_stats_add(s, 1, 5);
	msim_stats_add(s, 1, 7);
	cr_assert_eq(msim_stats_get(s, "b.y"), 12);
	cr_assert_eq(msim_stats_find(s, "nope"), MSIM_ENOENT);
	cr_assert_str_eq(msim_stats_desc(s, 0), "first");
	msim_stats_reset(s);
	cr_assert_eq(msim_stats_value(s, 1), 0);
	cr_assert_eq(msim_stats_register(s, "", "x"), MSIM_EINVAL);
	msim_stats_free(s);
}

Test(stats, compare_csv_union_of_counters_and_ratios)
{
	msim_stats *a, *b;
	const char *titles[] = { "unload", "keep" };

	msim_stats_create(&a);
	msim_stats_create(&b);
	msim_stats_add(a, msim_stats_register(a, "kvm.root.created", ""), 8);
	msim_stats_add(a, msim_stats_register(a, "cycles.reset", ""), 1000);
	msim_stats_add(b, msim_stats_register(b, "kvm.root.created", ""), 2);
	msim_stats_register(b, "only.b", "");
	const msim_stats *sets[] = { a, b };
	char *out = render(sets, titles, 2, MSIM_FORMAT_CSV);

	cr_assert_str_eq(out, "counter,\"unload\",\"keep\",\"ratio 2/1\"\n"
			      "kvm.root.created,8,2,0.250\n"
			      "cycles.reset,1000,0,0.000\n"
			      "only.b,0,0,1.000\n");
	free(out);
	out = render(sets, titles, 2, MSIM_FORMAT_JSON);
	cr_assert_str_eq(out, "{\n  \"unload\": {\"kvm.root.created\": 8, \"cycles.reset\": 1000, \"only.b\": 0},\n"
			      "  \"keep\": {\"kvm.root.created\": 2, \"cycles.reset\": 0, \"only.b\": 0}\n}\n");
	free(out);
	/* the table omits rows that are zero everywhere */
	out = render(sets, titles, 2, MSIM_FORMAT_TABLE);
	cr_assert_null(strstr(out, "only.b"));
	cr_assert_not_null(strstr(out, "kvm.root.created"));
	free(out);
	msim_stats_free(a);
	msim_stats_free(b);
}

Test(stats, ratio_against_zero_base)
{
	msim_stats *a, *b;
	const char *titles[] = { "x", "y" };

	msim_stats_create(&a);
	msim_stats_create(&b);
	msim_stats_register(a, "n", "");
	msim_stats_add(b, msim_stats_register(b, "n", ""), 3);
	const msim_stats *sets[] = { a, b };
	char *out = render(sets, titles, 2, MSIM_FORMAT_CSV);
	cr_assert_str_eq(out, "counter,\"x\",\"y\",\"ratio 2/1\"\nn,0,3,inf\n");
	free(out);
	msim_stats_free(a);
	msim_stats_free(b);
}
