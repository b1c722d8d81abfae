/*
 * PSC start points (SDM Vol. 3A 4.10.2-4.10.3) at every level of 4-level and 5-level paging:
 * the walk reads the entry of the start level in the given table and
 * continues down, so it makes exactly `level` reads, the first at the
 * start entry, and reports entries for the levels it read only. Covers
 * each level of the long-mode walk (which runs one step per level).
 * Expected values come from the page tables built here (SDM Vol. 3A 4.3-4.5 indices).
 * SPDX-License-Identifier: MIT
 */
#include "walk_fixture.h"

#define ROOT 0x100000ULL
#define POOL 0x200000ULL
#define LA4 0x00007f0000123456ULL
#define LA5 0x00ff7f0000123456ULL /* bits 56:48 select a PML5E */
#define DATA 0x5000000ULL
#define UPPER (WT_PRU | WT_A)

static struct wt t;
static msim_cpu_features cpu;
static msim_walk_result res;

static void setup(void)
{
	msim_cpu_features c = MSIM_CPU_FEATURES_INIT;

	cpu = c;
	cpu.la57 = true;
	wt_init(&t, POOL);
}

static void teardown(void)
{
	wt_fini(&t);
}

TestSuite(walk_start, .init = setup, .fini = teardown);

/* Start at every level 1..levels; `leaf` is the level of the mapping. */
static void start_each_level(unsigned levels, uint64_t la, unsigned leaf)
{
	msim_paging_regs r = wt_regs_lm(ROOT, levels == 5);
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	msim_walk_start st = { 0 };
	uint64_t slot[MSIM_WALK_MAX_LEVELS] = { 0 };
	uint64_t ps = 1ULL << (12 + 9 * (leaf - 1));
	uint64_t data = DATA & ~(ps - 1); /* large pages: aligned frame */

	wt_map(&t, ROOT, levels, la, data, leaf, UPPER | WT_D, UPPER);
	for (unsigned l = leaf; l <= levels; l++)
		slot[l] = wt_slot(&t, ROOT, levels, la, l, UPPER);
	o.start = &st;
	for (unsigned s = leaf; s <= levels; s++) {
		st.level = s;
		st.table = slot[s] & ~0xfffULL;
		st.rights.rw = 1;
		st.rights.us = 1;
		cr_assert_eq(msim_walk(t.mem, &cpu, &r, &o, la, MSIM_WACC_USER,
				       &res), 0);
		cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE, "start %u", s);
		cr_assert_eq(res.start_level, s);
		cr_assert_eq(res.leaf_level, leaf);
		cr_assert_eq(res.page_size, ps);
		cr_assert_eq(res.pa, data | (la & (ps - 1)));
		/* one read per level from the start down to the leaf */
		cr_assert_eq(res.nreads, s - leaf + 1, "start %u", s);
		cr_assert_eq(res.nrefs, s - leaf + 1); /* A/D already set */
		for (unsigned k = 0; k < res.nrefs; k++) {
			cr_assert_eq(res.refs[k].addr, slot[s - k]);
			cr_assert_eq(res.refs[k].level, s - k);
			cr_assert_eq(res.refs[k].kind, MSIM_REF_READ);
		}
		for (unsigned l = 0; l < MSIM_WALK_MAX_LEVELS; l++) {
			bool read = l >= leaf && l <= s;

			cr_assert_eq(res.entries[l].valid, read, "start %u level %u",
				     s, l);
			if (read)
				cr_assert_eq(res.entries[l].gpa, slot[l]);
		}
		cr_assert_eq(res.leaf_gpa, slot[leaf]);
	}
}

Test(walk_start, P6_4_every_level_4level_4k)
{
	start_each_level(4, LA4, 1);
}

Test(walk_start, P6_4_every_level_5level_4k)
{
	start_each_level(5, LA5, 1);
}

Test(walk_start, P6_4_every_level_4level_2m)
{
	start_each_level(4, LA4, 2);
}

Test(walk_start, P6_4_every_level_5level_1g)
{
	start_each_level(5, LA5, 3);
}
