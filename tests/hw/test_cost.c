/*
 * Cycle model: presets, config files, cache hierarchy and the pricing of
 * the hardware path. Expected cycle counts are derived from the model's
 * definition (cost.h): an access costs STLB latency on an L1 TLB miss,
 * lat_walk + lat_psc per walk, the cache level of every walk reference
 * and of the data access.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tlb_test_util.h"

Test(cost, presets_exist_and_validate)
{
	static const char *const need[] = { "zen4", "skylake-sp",
					    "sapphire-rapids", "this-machine",
					    "zen4-2d", "skylake-sp-2d",
					    "sapphire-rapids-2d" };
	const char *const *names = msim_cost_preset_names();

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		msim_cost_params p;
		bool listed = false;

		for (const char *const *n = names; *n; n++)
			listed |= !strcmp(*n, need[i]);
		cr_assert(listed, "%s not listed", need[i]);
		cr_assert_eq(msim_cost_preset(need[i], &p), 0);
		cr_assert_str_eq(p.name, need[i]);
		cr_assert_eq(msim_cost_validate(&p), 0, "%s: %s", need[i],
			     msim_last_error());
		cr_assert_not_null(msim_cost_preset_help(need[i]));
		cr_assert_gt(p.ghz, 0);
		cr_assert_gt(p.l1d.latency, 0);
		cr_assert_gt(p.lat_dram, p.llc.latency);
		cr_assert_gt(p.vmexit, 0);
		cr_assert_gt(p.tlb.stlb.entries, 0);
	}
	{
		msim_cost_params p;
		cr_assert_eq(msim_cost_preset("pentium", &p), MSIM_ENOENT);
	}
}

Test(cost, P9_1_preset_tlb_geometry_from_the_spec)
{
	msim_cost_params p;

	/* Skylake: L1 DTLB 64/4, STLB 1536 12-way, 1G STLB 16/4 (published TLB figures: 7-cpu.com, WikiChip, AMD/Intel optimization guides V) */
	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	cr_assert_eq(p.tlb.l1d[MSIM_PS_4K].entries, 64);
	cr_assert_eq(p.tlb.l1d[MSIM_PS_4K].ways, 4);
	cr_assert_eq(p.tlb.stlb.entries, 1536);
	cr_assert_eq(p.tlb.stlb.ways, 12);
	cr_assert_eq(p.tlb.stlb_1g.entries, 16);
	cr_assert_eq(p.walkers, 2);
	/* Zen 4: 72-entry fully associative L1, 3072 L2, 6 walkers (published TLB figures: 7-cpu.com, WikiChip, AMD/Intel optimization guides U) */
	cr_assert_eq(msim_cost_preset("zen4", &p), 0);
	cr_assert_eq(p.tlb.l1d[MSIM_PS_4K].entries, 72);
	cr_assert_eq(p.tlb.l1d[MSIM_PS_4K].ways, 72);
	cr_assert_eq(p.tlb.stlb.entries, 3072);
	cr_assert_eq(p.walkers, 6);
	/* 2D variants differ only by the nested switch */
	cr_assert_eq(msim_cost_preset("zen4-2d", &p), 0);
	cr_assert(p.nested);
	cr_assert_eq(p.host_page, 4096);
}

Test(cost, config_text_overrides_and_suffixes)
{
	msim_cost_params p;
	char buf[64];

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	cr_assert_eq(msim_cost_load_string(&p,
		"# comment line\n"
		"\n"
		"cache.llc.size = 16M   # trailing comment\n"
		"cache.llc.ways=16\n"
		"tlb.stlb.repl = plru\n"
		"tlb.stlb.ways = 16\n"
		"tlb.stlb.entries = 0x800\n"
		"tlb.eager = true\n"
		"cpu.ghz = 3.5\n"
		"virt.vmexit = 1234\n", "t.cfg"), 0, "%s", msim_last_error());
	cr_assert_eq(p.llc.size, 16ULL << 20);
	cr_assert_eq(p.tlb.stlb.repl, MSIM_REPL_PLRU);
	cr_assert_eq(p.tlb.stlb.entries, 2048);
	cr_assert(p.tlb.eager);
	cr_assert_float_eq(p.ghz, 3.5, 1e-12);
	cr_assert_eq(p.vmexit, 1234);
	cr_assert_eq(msim_cost_get(&p, "tlb.stlb.repl", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "plru");
}

Test(cost, config_base_line_loads_a_preset_first)
{
	msim_cost_params p;

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	cr_assert_eq(msim_cost_load_string(&p, "base = zen4\nmem.lat = 400\n",
					   "b.cfg"), 0);
	cr_assert_str_eq(p.name, "zen4");
	cr_assert_eq(p.tlb.stlb.entries, 3072);
	cr_assert_eq(p.lat_dram, 400);
}

Test(cost, config_errors_name_file_and_line)
{
	msim_cost_params p;

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	cr_assert_eq(msim_cost_load_string(&p, "# ok\nmem.lat = 100\nbogus.key = 1\n",
					   "my.cfg"), MSIM_EPARSE);
	cr_assert(strstr(msim_last_error(), "my.cfg:3:"), "%s", msim_last_error());
	cr_assert(strstr(msim_last_error(), "bogus.key"));
	cr_assert_eq(msim_cost_load_string(&p, "mem.lat = ten\n", "x.cfg"),
		     MSIM_EPARSE);
	cr_assert(strstr(msim_last_error(), "x.cfg:1:"));
	cr_assert_eq(msim_cost_load_string(&p, "\n\nmem.lat\n", "y.cfg"),
		     MSIM_EPARSE);
	cr_assert(strstr(msim_last_error(), "y.cfg:3:"));
	cr_assert_eq(msim_cost_load_string(&p, "tlb.l1d.4k.repl = fifo\n", "z"),
		     MSIM_EPARSE);
	cr_assert_eq(msim_cost_load_string(&p, "base = nosuch\n", "w"),
		     MSIM_EPARSE);
	cr_assert_eq(msim_cost_load_string(&p, "cache.llc.size = 0x40000000000000K\n",
					   "o"), MSIM_EPARSE, "suffix overflow");
	cr_assert_eq(msim_cost_load_string(&p, "cpu.ghz = inf\n", "i"),
		     MSIM_EPARSE);
	cr_assert_eq(msim_cost_load_string(&p, "virt.vmexit = 4294967296\n", "u"),
		     MSIM_EPARSE, "above 32 bits");
	/* TLB geometry is checked when the file is loaded */
	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	cr_assert_eq(msim_cost_load_string(&p, "tlb.stlb.repl = plru\n", "g"),
		     MSIM_EINVAL, "12-way PLRU");
	cr_assert(strstr(msim_last_error(), "tlb.stlb"), "%s", msim_last_error());
	/* a geometry that validates badly is rejected after parsing */
	cr_assert_eq(msim_cost_load_string(&p, "cache.l2.size = 1000\n", "v"),
		     MSIM_EINVAL);
	cr_assert_eq(msim_cost_load_file(&p, "/nonexistent/x.cfg"), MSIM_EIO);
}

Test(cost, write_then_load_round_trips_every_parameter)
{
	msim_cost_params a, b;
	char path[] = "/tmp/msim_cost_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_eq(msim_cost_preset("this-machine", &a), 0);
	cr_assert_eq(msim_cost_write(&a, f), 0);
	fclose(f);
	cr_assert_eq(msim_cost_preset("zen4", &b), 0);
	cr_assert_eq(msim_cost_load_file(&b, path), 0, "%s", msim_last_error());
	unlink(path);
	for (unsigned i = 0; i < msim_cost_param_count(); i++) {
		char va[64], vb[64];
		const char *k = msim_cost_param_name(i);
		cr_assert_not_null(msim_cost_param_desc(i));
		cr_assert_eq(msim_cost_get(&a, k, va, sizeof(va)), 0);
		cr_assert_eq(msim_cost_get(&b, k, vb, sizeof(vb)), 0);
		cr_assert_str_eq(va, vb, "%s", k);
	}
}

/* ------------------------------------------------------------ caches */

static msim_cost_params small_caches(void)
{
	msim_cost_params p;

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	p.l1d = (msim_cache_level){ 2 * 64 * 2, 2, 4 };  /* 2 sets x 2 ways */
	p.l2 = (msim_cache_level){ 4 * 64 * 4, 4, 12 };  /* 4 sets x 4 ways */
	p.llc = (msim_cache_level){ 64 * 64 * 8, 8, 40 };
	p.lat_dram = 200;
	return p;
}

Test(cost, cache_levels_and_lru_eviction)
{
	msim_cost_params p = small_caches();
	msim_cache *c;
	uint64_t cyc = 0;

	cr_assert_eq(msim_cache_create(&c, &p), 0);
	cr_assert_eq(msim_cache_access(c, 0x0, false, &cyc), 4);
	cr_assert_eq(cyc, 200);
	cr_assert_eq(msim_cache_access(c, 0x8, false, &cyc), 1, "same line");
	cr_assert_eq(cyc, 204);
	/* lines 0, 2, 4 map to L1 set 0 (2 ways): the third evicts line 0 */
	msim_cache_access(c, 2 * 64, false, &cyc);
	msim_cache_access(c, 4 * 64, false, &cyc);
	cyc = 0;
	cr_assert_eq(msim_cache_access(c, 0x0, false, &cyc), 2, "from L2");
	cr_assert_eq(cyc, 12);
	cr_assert_eq(msim_cache_access(c, 0x0, false, &cyc), 1);
	/* walker references with walk.l1d = 0 start at L2 */
	cyc = 0;
	cr_assert_eq(msim_cache_access(c, 0x0, true, &cyc), 2);
	msim_cache_flush(c);
	cr_assert_eq(msim_cache_access(c, 0x0, false, &cyc), 4);
	msim_cache_free(c);
}

Test(cost, shared_llc_between_two_hierarchies)
{
	msim_cost_params p = small_caches();
	msim_cache *a, *b;
	uint64_t cyc = 0;

	cr_assert_eq(msim_cache_create(&a, &p), 0);
	cr_assert_eq(msim_cache_create_shared(&b, &p, a), 0);
	cr_assert_eq(msim_cache_access(a, 0x1000, false, &cyc), 4);
	/* the other core misses its private L1/L2 but hits the shared LLC */
	cyc = 0;
	cr_assert_eq(msim_cache_access(b, 0x1000, false, &cyc), 3);
	cr_assert_eq(cyc, 40);
	cr_assert_eq(msim_cache_access(b, 0x1000, false, &cyc), 1);
	msim_cache_free(b);
	/* the owner's LLC survives the sharer */
	cyc = 0;
	cr_assert_eq(msim_cache_access(a, 0x1000, false, &cyc), 1);
	msim_cache_free(a);
	p.llc.size = 0;
	cr_assert_eq(msim_cache_create(&a, &p), 0);
	cr_assert_eq(msim_cache_create_shared(&b, &p, a), MSIM_EINVAL);
	msim_cache_free(a);
}

/* ------------------------------------------------------------ hw pricing */

static struct tu_env e;

static void fini(void)
{
	tu_env_free(&e);
}

#define VA 0x7f0000000000ULL

Test(cost, hw_native_miss_then_hits_priced_exactly, .fini = fini)
{
	msim_hw_result r;
	const msim_cost_params *p;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	tu_env_map(&e, VA + 0x1000, 0x201000, 1, TU_LEAF);
	p = msim_hw_cost(e.hw);
	/* cold: 4 entries in 4 different tables -> 4 DRAM refs; data DRAM */
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.cycles_tlb, p->lat_stlb);
	cr_assert_eq(r.cycles_walk, p->lat_walk + p->lat_psc + 4 * p->lat_dram);
	cr_assert_eq(r.cycles_data, p->lat_dram);
	cr_assert_eq(r.cycles, r.cycles_tlb + r.cycles_walk + r.cycles_data);
	/* again: L1 TLB hit, L1D hit */
	r = tu_access(&e, VA + 8, 0);
	cr_assert_eq(r.tlb_level, 1);
	cr_assert_eq(r.cycles, p->l1d.latency);
	/* next page: PDE-cache hit, its PTE shares the line just read (L1D),
	 * data line cold */
	r = tu_access(&e, VA + 0x1000, 0);
	cr_assert_eq(r.walk_refs, 1);
	cr_assert_eq(r.cycles_walk, p->lat_walk + p->lat_psc + p->l1d.latency);
	cr_assert_eq(r.cycles_data, p->lat_dram);
}

Test(cost, hw_stats_counters_are_bumped, .fini = fini)
{
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_stats *st;
	msim_hw *hw;
	msim_hw_result r;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	cr_assert_eq(msim_stats_create(&st), 0);
	ho.cost = &e.cost;
	ho.stats = st;
	cr_assert_eq(msim_hw_create(&hw, &ho), 0);
	cr_assert_eq(msim_hw_access(hw, &e.x, VA, 0, &r), 0);
	cr_assert_eq(msim_hw_access(hw, &e.x, VA, 0, &r), 0);
	cr_assert_eq(msim_stats_get(st, "tlb.miss"), 1);
	cr_assert_eq(msim_stats_get(st, "tlb.l1d.hit"), 1);
	cr_assert_eq(msim_stats_get(st, "walk.count"), 1);
	cr_assert_eq(msim_stats_get(st, "walk.refs"), 4);
	cr_assert_eq(msim_stats_get(st, "cycles.data"),
		     e.cost.lat_dram + e.cost.l1d.latency);
	cr_assert_eq(msim_stats_get(st, "cycles.walk"),
		     e.cost.lat_walk + e.cost.lat_psc + 4 * e.cost.lat_dram);
	{
		msim_inv op = { MSIM_INV_INVEPT, { 2, 0, 0 } };
		uint64_t cyc;
		cr_assert_eq(msim_hw_invalidate(hw, &e.x.tag, &op, &cyc), 0);
		cr_assert_eq(cyc, e.cost.invept_all);
		cr_assert_eq(msim_stats_get(st, "cycles.inval"), e.cost.invept_all);
	}
	msim_hw_free(hw);
	msim_stats_free(st);
}

Test(cost, hw_rights_denied_hit_rewalks_and_faults, .fini = fini)
{
	msim_hw_result r;

	tu_env_init(&e, false, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF & ~MSIM_PTE_RW);
	r = tu_access(&e, VA, 0);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	r = tu_access(&e, VA, MSIM_WACC_WRITE | MSIM_WACC_USER);
	cr_assert_eq(r.tlb_level, 0, "denied by the cached rights: re-walk");
	cr_assert_eq(r.fault.kind, MSIM_FAULT_PF);
	cr_assert_eq(r.fault.pf_ec, MSIM_PFEC_P | MSIM_PFEC_W | MSIM_PFEC_U);
	/* SDM Vol. 3A 4.10.4.1 #PF row: the page's entry is gone */
	r = tu_access(&e, VA, MSIM_WACC_USER);
	cr_assert_eq(r.tlb_level, 0);
}

Test(cost, P8_7_nested_cache_probes_are_priced, .fini = fini)
{
	uint64_t base, priced;
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_hw_result r;

	tu_env_init(&e, true, "skylake-sp");
	tu_env_map(&e, VA, 0x200000, 1, TU_LEAF);
	base = tu_access(&e, VA, 0).cycles_walk;
	/* same cold walk with priced probes: 1 guest PSC probe, and for the
	 * 5 nested translations (4 guest tables + data) one NTLB and one
	 * nested-PSC probe each, all misses */
	msim_hw_free(e.hw);
	e.cost.lat_psc = 2;
	e.cost.lat_ntlb = 3;
	ho.cost = &e.cost;
	cr_assert_eq(msim_hw_create(&e.hw, &ho), 0);
	r = tu_access(&e, VA, 0);
	priced = r.cycles_walk;
	cr_assert_eq(r.walk_refs, 24);
	cr_assert_eq(priced - base, 1 * 2 + 5 * 3 + 5 * 2);
}
