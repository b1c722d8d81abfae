/*
 * Pointer-chase layout: visiting order, linear addresses, scattered
 * guest-physical frames and the guest page tables that map them.
 * Matches bench/probe.c: one pointer per page in line (page % 64).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "hw/chase_internal.h"
#include "base/rng.h"
#include "base/params.h"

void msim_chase_order(const msim_chase_opts *o, uint64_t *order)
{
	uint64_t n = o->pages, s = o->seed;

	for (uint64_t i = 0; i < n; i++)
		order[i] = i;
	if (!o->random || n < 2)
		return;
	/* Fisher-Yates with splitmix64, exactly as bench/probe.c */
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = msim_rng_next(&s) % (i + 1);
		uint64_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

uint64_t msim_chase_va(const msim_chase_opts *o, uint64_t page)
{
	return MSIM_CHASE_VA_BASE + page * o->page_size + (page % 64) * 64;
}

/*
 * A bijection on k-bit numbers (xorshift + odd multiply rounds): page i
 * gets a frame whose low bits do not follow i % 64, as with a real
 * allocator, so cache sets are used evenly.
 */
static uint64_t scatter(uint64_t x, unsigned k)
{
	uint64_t mask = k >= 64 ? ~0ULL : (1ULL << k) - 1;
	unsigned s = (k + 1) / 2;

	for (int r = 0; r < 3; r++) {
		x ^= x >> s;
		x = (x * 0x9e3779b97f4a7c15ULL) & mask;
	}
	return x;
}

uint64_t msim_chase_gpa(const msim_chase_opts *o, uint64_t page)
{
	unsigned k = 2;

	while ((1ULL << k) < o->pages)
		k++;
	return MSIM_CHASE_DATA_GPA + scatter(page, k) * o->page_size;
}

int msim_chase_tables(const msim_chase_opts *o, msim_chase_wr_fn wr,
		      void *ctx, uint64_t *cr3, uint64_t *table_end)
{
	uint64_t next = MSIM_CHASE_TABLE_GPA;
	uint64_t table[5] = { 0 }; /* current table per level (index 1..4) */
	uint64_t prefix[5];         /* va >> shift the table covers */
	unsigned leaf = o->page_size == 4096 ? 1 : 2;
	int rc;

	memset(prefix, 0xff, sizeof(prefix));
	table[4] = next;
	next += 4096;
	for (uint64_t p = 0; p < o->pages; p++) {
		uint64_t va = MSIM_CHASE_VA_BASE + p * o->page_size;
		for (unsigned l = 4; l > leaf; l--) {
			unsigned shift = 12 + 9 * (l - 1); /* bits one entry maps */
			uint64_t ea = table[l] + ((va >> shift) & 0x1ff) * 8;
			if (prefix[l - 1] != va >> shift) {
				/* new table one level down */
				prefix[l - 1] = va >> shift;
				table[l - 1] = next;
				next += 4096;
				if ((rc = wr(ctx, ea, table[l - 1] | MSIM_CHASE_NONLEAF)))
					return rc;
			}
		}
		{
			unsigned shift = 12 + 9 * (leaf - 1);
			uint64_t ea = table[leaf] + ((va >> shift) & 0x1ff) * 8;
			uint64_t v = msim_chase_gpa(o, p) | MSIM_CHASE_LEAF |
				     (leaf == 2 ? MSIM_PTE_PS : 0);
			if ((rc = wr(ctx, ea, v)))
				return rc;
		}
	}
	*cr3 = table[4];
	*table_end = next;
	return 0;
}

int msim_chase_parse(const char *params, msim_chase_opts *o)
{
	static const char *const known[] = { "pages", "order", "pagesize",
					     "accesses", "seed", NULL };
	const char *s;
	int rc;

	if (!params)
		return 0;
	if ((rc = msim_param_check_keys(params, known)))
		return rc;
	if ((rc = msim_param_u64(params, "pages", 1ULL << 24, &o->pages)) ||
	    (rc = msim_param_u64(params, "accesses", 1ULL << 32,
				     &o->accesses)) ||
	    (rc = msim_param_u64(params, "seed", ~0ULL, &o->seed)))
		return rc;
	if (!o->pages)
		return msim_err(MSIM_EINVAL, "chase: pages must be >= 1");
	s = strstr(params, "order=");
	if (s && (s == params || s[-1] == ',')) {
		s += 6;
		if (!strncmp(s, "random", 6) && (s[6] == ',' || !s[6]))
			o->random = true;
		else if (!strncmp(s, "seq", 3) && (s[3] == ',' || !s[3]))
			o->random = false;
		else
			return msim_err(MSIM_EINVAL, "chase: order must be random or seq");
	}
	s = strstr(params, "pagesize=");
	if (s && (s == params || s[-1] == ',')) {
		s += 9;
		if (!strncmp(s, "4k", 2) && (s[2] == ',' || !s[2]))
			o->page_size = 4096;
		else if (!strncmp(s, "2m", 2) && (s[2] == ',' || !s[2]))
			o->page_size = 2ULL << 20;
		else
			return msim_err(MSIM_EINVAL, "chase: pagesize must be 4k or 2m");
	}
	return 0;
}
