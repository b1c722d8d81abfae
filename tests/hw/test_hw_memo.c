/*
 * The hardware path's shortcuts are exact: the L1 TLB hit memo (hw.c) and
 * the L1D way memo (cache.c) only skip work whose result is already
 * known, so a random stream of accesses, invalidations, register and
 * page-table changes gives the same result, access by access, with them
 * as without them (TLB memo) or as an independent LRU model (caches).
 * A sensitivity test shows the TLB memo is really used (so the
 * equivalence test can fail).
 * SPDX-License-Identifier: MIT
 */
#include "tlb_test_util.h"

#include "mmu_sim/cost.h"
#include "mmu_sim/stats.h"

/* ------------------------------------------------------------ caches */

/* Independent model: inclusive fill on the way down, true LRU per set,
 * set = line mod sets (no LLC here: the LLC's slice hash is the model's
 * own choice, not something to re-derive). */
struct ref_level {
	unsigned sets, ways, lat;
	uint64_t *line, *age;
};

static uint64_t ref_clock;

static bool ref_level_access(struct ref_level *l, uint64_t ln)
{
	uint64_t *line = l->line + (ln % l->sets) * l->ways;
	uint64_t *age = l->age + (ln % l->sets) * l->ways;
	unsigned old = 0;

	for (unsigned w = 0; w < l->ways; w++)
		if (line[w] == ln + 1) {
			age[w] = ++ref_clock;
			return true;
		}
	for (unsigned w = 0; w < l->ways; w++) {
		if (!line[w]) {
			old = w;
			break;
		}
		if (age[w] < age[old])
			old = w;
	}
	line[old] = ln + 1;
	age[old] = ++ref_clock;
	return false;
}

static void ref_init(struct ref_level *l, const msim_cache_level *g)
{
	l->ways = g->ways;
	l->sets = (unsigned)(g->size / 64 / g->ways);
	l->lat = g->latency;
	l->line = calloc((size_t)l->sets * l->ways, 8);
	l->age = calloc((size_t)l->sets * l->ways, 8);
	cr_assert(l->line && l->age);
}


Test(hw_memo, cache_matches_an_independent_lru_model)
{
	msim_cost_params p;
	msim_cache *c;
	struct ref_level ref[2];
	uint64_t seed = 7;

	cr_assert_eq(msim_cost_preset("skylake-sp", &p), 0);
	p.l1d = (msim_cache_level){ 8 * 64 * 4, 4, 4 };   /* 8 sets x 4 ways */
	p.l2 = (msim_cache_level){ 32 * 64 * 8, 8, 14 };  /* 32 sets x 8 ways */
	p.llc = (msim_cache_level){ 0, 1, 0 };
	p.lat_dram = 200;
	cr_assert_eq(msim_cache_create(&c, &p), 0, "%s", msim_last_error());
	ref_init(&ref[0], &p.l1d);
	ref_init(&ref[1], &p.l2);
	for (unsigned i = 0; i < 400000; i++) {
		uint64_t r = msim_rng_next(&seed);
		/* mostly a hot set of 24 lines (L1 hits, memo hits), some
		 * of 600 lines (evictions from both levels) */
		uint64_t ln = (r & 7) ? (r >> 8) % 24 : (r >> 8) % 600;
		bool walk = (r >> 40) % 8 == 0;
		uint64_t cyc = 0, want_cyc;
		unsigned lvl, want = 4;

		if ((r >> 50) % 5000 == 0) {
			msim_cache_flush(c);
			for (unsigned k = 0; k < 2; k++) {
				memset(ref[k].line, 0, (size_t)ref[k].sets * ref[k].ways * 8);
				memset(ref[k].age, 0, (size_t)ref[k].sets * ref[k].ways * 8);
			}
		}
		for (unsigned k = walk ? 1 : 0; k < 2; k++)
			if (ref_level_access(&ref[k], ln)) {
				want = k + 1;
				break;
			}
		want_cyc = want == 4 ? p.lat_dram : ref[want - 1].lat;
		lvl = msim_cache_access(c, ln * 64 + (r >> 20) % 64, walk, &cyc);
		cr_assert_eq(lvl, want, "access %u (line %llu%s): level %u, model %u", i,
			     (unsigned long long)ln, walk ? ", walk" : "", lvl, want);
		cr_assert_eq(cyc, want_cyc, "access %u: %llu cycles", i,
			     (unsigned long long)cyc);
	}
	for (unsigned k = 0; k < 2; k++) {
		free(ref[k].line);
		free(ref[k].age);
	}
	msim_cache_free(c);
}

/* ------------------------------------------------------------ TLB memo */

#define VA 0x7f0000000000ULL
#define NPAGES 64
#define HOT 12

struct side {
	struct tu_env e;
	msim_stats *st;
};

static struct side sa, sb;

static void fini(void)
{
	tu_env_free(&sa.e);
	tu_env_free(&sb.e);
	msim_stats_free(sa.st);
	msim_stats_free(sb.st);
}

static void side_init(struct side *s, bool two_d, const char *preset)
{
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;

	tu_env_init(&s->e, two_d, preset);
	msim_hw_free(s->e.hw);
	cr_assert_eq(msim_stats_create(&s->st), 0);
	ho.cost = &s->e.cost;
	ho.stats = s->st;
	cr_assert_eq(msim_hw_create(&s->e.hw, &ho), 0, "%s", msim_last_error());
}

/* Page i's leaf flags: a mix of rights, D=0 pages and not-present ones,
 * except on the hot pages with `hot_full` (accesses there hit: a fault
 * or a D-setting re-walk changes the TLB, which forgets every memo). */
static bool hot_full;

static uint64_t flags_of(uint64_t i, uint64_t salt)
{
	uint64_t f = MSIM_PTE_P | MSIM_PTE_A;
	uint64_t h = (i * 0x9e3779b97f4a7c15ULL + salt) >> 40;

	if (hot_full && i < HOT)
		return TU_LEAF;

	if (h & 1)
		f |= MSIM_PTE_RW;
	if (h & 2)
		f |= MSIM_PTE_US;
	if (h & 4)
		f |= MSIM_PTE_D;
	if ((h & 0x18) == 0x18)
		f |= MSIM_PTE_XD;
	if ((h & 0x1e0) == 0x1e0)
		f &= ~MSIM_PTE_P;
	return f;
}

static void map_both(uint64_t i, uint64_t salt)
{
	uint64_t va = VA + i * 0x1000, gpa = 0x400000 + i * 0x1000;

	tu_env_map(&sa.e, va, gpa, 1, flags_of(i, salt));
	tu_env_map(&sb.e, va, gpa, 1, flags_of(i, salt));
}

static void expect_same(const msim_hw_result *a, const msim_hw_result *b,
			unsigned step)
{
	cr_assert_eq(a->fault.kind, b->fault.kind, "step %u: fault kind", step);
	if (a->fault.kind == MSIM_FAULT_PF)
		cr_assert_eq(a->fault.pf_ec, b->fault.pf_ec, "step %u: #PF code", step);
	cr_assert_eq(a->pa, b->pa, "step %u: pa", step);
	cr_assert_eq(a->gpa, b->gpa, "step %u: gpa", step);
	cr_assert_eq(a->page_size, b->page_size, "step %u: page size", step);
	cr_assert_eq(a->tlb_level, b->tlb_level, "step %u: TLB level", step);
	cr_assert_eq(a->cycles, b->cycles, "step %u: cycles", step);
	cr_assert_eq(a->cycles_tlb, b->cycles_tlb, "step %u", step);
	cr_assert_eq(a->cycles_walk, b->cycles_walk, "step %u", step);
	cr_assert_eq(a->cycles_data, b->cycles_data, "step %u", step);
}

static void both_regs(uint64_t cr0_xor, uint64_t cr4_xor)
{
	sa.e.regs.cr0 ^= cr0_xor;
	sb.e.regs.cr0 ^= cr0_xor;
	sa.e.regs.cr4 ^= cr4_xor;
	sb.e.regs.cr4 ^= cr4_xor;
}

static void run_random(bool two_d, const char *preset, uint64_t seed)
{
	uint64_t salt = 1;
	unsigned hits = 0;

	side_init(&sa, two_d, preset);
	side_init(&sb, two_d, preset);
	hot_full = false;
	for (uint64_t i = 0; i < NPAGES; i++)
		map_both(i, salt);
	sa.e.x.ctx_gen = 1; /* memo on */
	sb.e.x.ctx_gen = 0; /* memo off: every access looks the TLB up */
	for (unsigned step = 0; step < 300000; step++) {
		uint64_t r = msim_rng_next(&seed), op = r % 1000;
		uint64_t page = (r >> 10) & 1 ? (r >> 12) % HOT : (r >> 12) % NPAGES;
		uint64_t va = VA + page * 0x1000 + ((r >> 20) % 512) * 8;

		if (op < 930) {
			static const unsigned kinds[] = {
				0, 0, 0, MSIM_WACC_WRITE, MSIM_WACC_FETCH,
				MSIM_WACC_USER, MSIM_WACC_USER | MSIM_WACC_WRITE,
				MSIM_WACC_USER | MSIM_WACC_FETCH, MSIM_WACC_IMPLICIT,
				MSIM_WACC_USER,
			};
			unsigned acc = kinds[(r >> 30) % 10];
			msim_hw_result a, b;

			if ((r >> 40) % 16 == 0) { /* EFLAGS.AC: in the memo key */
				sa.e.regs.rflags ^= MSIM_RFLAGS_AC;
				sb.e.regs.rflags ^= MSIM_RFLAGS_AC;
			}
			a = tu_access(&sa.e, va, acc);
			b = tu_access(&sb.e, va, acc);
			expect_same(&a, &b, step);
			hits += a.tlb_level == 1;
		} else if (op < 950) {
			tu_inv(&sa.e, MSIM_INV_INVLPG, va, 0, 0);
			tu_inv(&sb.e, MSIM_INV_INVLPG, va, 0, 0);
		} else if (op < 960) {
			/* a register the rights check reads: new context */
			static const uint64_t cr4b[] = { MSIM_CR4_SMAP, MSIM_CR4_SMEP, 0 };
			both_regs((r >> 32) & 1 ? MSIM_CR0_WP : 0, cr4b[(r >> 33) % 3]);
			sa.e.x.ctx_gen++;
		} else if (op < 985) {
			/* PTE rewritten without invalidation: both may keep
			 * using the stale translation, identically */
			salt = r;
			map_both(page, salt);
		} else {
			/* a burst over many pages: L1 TLB evictions */
			for (uint64_t k = 0; k < 80; k++) {
				uint64_t v2 = VA + ((page + k * 7) % NPAGES) * 0x1000;
				msim_hw_result a = tu_access(&sa.e, v2, 0);
				msim_hw_result b = tu_access(&sb.e, v2, 0);
				expect_same(&a, &b, step);
			}
		}
	}
	cr_assert_gt(hits, 100000, "the stream must be hit-dominated (%u)", hits);
	cr_assert_eq(msim_stats_count(sa.st), msim_stats_count(sb.st));
	for (unsigned i = 0; i < msim_stats_count(sa.st); i++)
		cr_assert_eq(msim_stats_value(sa.st, (int)i),
			     msim_stats_value(sb.st, (int)i), "counter %s",
			     msim_stats_name(sa.st, i));
}

Test(hw_memo, tlb_memo_is_exact_native, .fini = fini)
{
	run_random(false, "skylake-sp", 11);
}

Test(hw_memo, tlb_memo_is_exact_2d_plru, .fini = fini)
{
	/* sapphire-rapids-2d: nested rights, EPT A/D-free walks */
	run_random(true, "sapphire-rapids-2d", 12);
}

Test(hw_memo, tlb_memo_is_exact_random_replacement, .fini = fini)
{
	run_random(true, "this-machine", 13);
}

/*
 * The memo is really used: with the context generation left unchanged
 * after CR0.WP is set, a supervisor write to a read-only page keeps being
 * allowed (what the memo remembered); with it bumped, the write faults.
 */
Test(hw_memo, memo_trusts_ctx_gen, .fini = fini)
{
	msim_hw_result r;

	side_init(&sa, false, "skylake-sp");
	side_init(&sb, false, "skylake-sp");
	tu_env_map(&sa.e, VA, 0x400000, 1, MSIM_PTE_P | MSIM_PTE_A | MSIM_PTE_D);
	sa.e.regs.cr0 &= ~MSIM_CR0_WP;
	sa.e.x.ctx_gen = 5;
	r = tu_access(&sa.e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE, "WP=0: supervisor write allowed");
	r = tu_access(&sa.e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.tlb_level, 1);
	sa.e.regs.cr0 |= MSIM_CR0_WP; /* caller's promise broken on purpose */
	r = tu_access(&sa.e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE, "stale context: memo hit");
	sa.e.x.ctx_gen++;
	r = tu_access(&sa.e, VA, MSIM_WACC_WRITE);
	cr_assert_eq(r.fault.kind, MSIM_FAULT_PF, "new context: SDM Vol. 3A 4.6.1 applies");
	cr_assert_eq(r.fault.pf_ec, MSIM_PFEC_P | MSIM_PFEC_W);
}

/* ------------------------------------------------------------ runs */

/* The access an `access` event makes, derived here from event.h's
 * argument list (kind, la, cpl, ac, implicit), not from the library. */
static unsigned acc_of(const msim_event *ev)
{
	unsigned acc = ev->arg[0] == MSIM_ACC_WRITE   ? MSIM_WACC_WRITE
		       : ev->arg[0] == MSIM_ACC_FETCH ? MSIM_WACC_FETCH
						      : 0;

	if (ev->arg[4])
		return acc | MSIM_WACC_IMPLICIT;
	return acc | (ev->arg[2] == 3 ? MSIM_WACC_USER : 0);
}

static void set_mode(struct side *s, const msim_event *ev)
{
	s->e.regs.cpl = (uint8_t)ev->arg[2];
	if (ev->arg[3])
		s->e.regs.rflags |= MSIM_RFLAGS_AC;
	else
		s->e.regs.rflags &= ~MSIM_RFLAGS_AC;
}

/*
 * msim_hw_access_run over event runs (A) against msim_hw_access per
 * access without memo (B): same counters, same cycles, same registers.
 */
static void run_runs(bool two_d, const char *preset, uint64_t seed)
{
	static msim_event ev[256];
	uint64_t cyc_a = 0, cyc_b = 0, done_by_run = 0;

	side_init(&sa, two_d, preset);
	side_init(&sb, two_d, preset);
	hot_full = true;
	for (uint64_t i = 0; i < NPAGES; i++)
		map_both(i, 3);
	sa.e.x.ctx_gen = 1;
	for (unsigned round = 0; round < 3000; round++) {
		uint64_t r = msim_rng_next(&seed);
		size_t n = 1 + r % 256;

		for (size_t i = 0; i < n; i++) {
			uint64_t q = msim_rng_next(&seed);
			/* hit-dominated: a hot set that fits the L1 TLBs,
			 * rarely another page (a fill: every memo is forgotten) */
			uint64_t page = (q & 127) ? (q >> 8) % HOT : (q >> 8) % NPAGES;

			memset(&ev[i], 0, sizeof(ev[i]));
			ev[i].type = MSIM_EV_ACCESS;
			ev[i].arg[0] = (q >> 20) % 8 == 0 ? MSIM_ACC_WRITE
				       : (q >> 20) % 16 == 1 ? MSIM_ACC_FETCH
							     : MSIM_ACC_READ;
			ev[i].arg[1] = VA + page * 0x1000 + ((q >> 24) % 64) * 64;
			ev[i].arg[2] = (q >> 32) % 8 ? 3 : 0;
			ev[i].arg[3] = (q >> 35) % 64 == 0;
			ev[i].arg[4] = (q >> 41) % 128 == 0;
		}
		/* B: one access at a time, no memo */
		for (size_t i = 0; i < n; i++) {
			msim_hw_result b;

			set_mode(&sb, &ev[i]);
			b = tu_access(&sb.e, ev[i].arg[1], acc_of(&ev[i]));
			cyc_b += b.cycles;
		}
		/* A: runs of remembered hits, the rest one by one */
		for (size_t i = 0; i < n;) {
			size_t k = msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs,
						      &ev[i], n - i, &cyc_a);
			msim_hw_result a;

			done_by_run += k;
			if ((i += k) == n)
				break;
			set_mode(&sa, &ev[i]);
			a = tu_access(&sa.e, ev[i].arg[1], acc_of(&ev[i]));
			cyc_a += a.cycles;
			i++;
		}
		cr_assert_eq(sa.e.regs.cpl, sb.e.regs.cpl, "round %u: CPL", round);
		cr_assert_eq(sa.e.regs.rflags, sb.e.regs.rflags, "round %u: RFLAGS", round);
		cr_assert_eq(cyc_a, cyc_b, "round %u: cycles", round);
		/* between runs: invalidations and context changes */
		if (r % 7 == 0) {
			tu_inv(&sa.e, MSIM_INV_INVLPG, VA + ((r >> 8) % HOT) * 0x1000, 0, 0);
			tu_inv(&sb.e, MSIM_INV_INVLPG, VA + ((r >> 8) % HOT) * 0x1000, 0, 0);
		} else if (r % 11 == 0) {
			/* a new context (WP: no fault on these pages; SMAP
			 * and SMEP changes are in tlb_memo_is_exact_*) */
			both_regs(MSIM_CR0_WP, 0);
			sa.e.x.ctx_gen++;
		} else if (r % 13 == 0) {
			map_both((r >> 8) % NPAGES, r);
		}
	}
	cr_assert_gt(done_by_run, 200000, "runs must do most accesses (%llu)",
		     (unsigned long long)done_by_run);
	for (unsigned i = 0; i < msim_stats_count(sa.st); i++)
		cr_assert_eq(msim_stats_value(sa.st, (int)i),
			     msim_stats_value(sb.st, (int)i), "counter %s",
			     msim_stats_name(sa.st, i));
}

Test(hw_memo, access_runs_are_exact_native, .fini = fini)
{
	run_runs(false, "skylake-sp", 21);
}

Test(hw_memo, access_runs_are_exact_with_prefetch_2d, .fini = fini)
{
	/* this-machine: stride prefetch rescales covered accesses */
	run_runs(true, "this-machine", 22);
}

Test(hw_memo, access_run_stops_at_other_events_and_vcpus, .fini = fini)
{
	msim_event ev[4];
	uint64_t cyc = 0;

	side_init(&sa, false, "skylake-sp");
	tu_env_map(&sa.e, VA, 0x400000, 1, TU_LEAF);
	sa.e.x.ctx_gen = 1;
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 4; i++) {
		ev[i].type = MSIM_EV_ACCESS;
		ev[i].arg[1] = VA + 64 * (uint64_t)i;
		ev[i].arg[2] = 3;
	}
	sa.e.regs.cpl = 3;
	/* nothing remembered yet: the first access must go the long way */
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 0);
	tu_access(&sa.e, VA, MSIM_WACC_USER); /* miss: walk, fill */
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 0,
		     "only an L1 hit is remembered");
	tu_access(&sa.e, VA, MSIM_WACC_USER); /* L1 hit: remembered */
	ev[2].vcpu = 1;
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 2,
		     "another vCPU's access ends the run");
	ev[2].vcpu = 0;
	ev[3].type = MSIM_EV_INVLPG;
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 3,
		     "a non-access event ends the run");
	ev[1].arg[0] = MSIM_ACC_WRITE; /* not remembered for writes yet */
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 1);
	sa.e.x.ctx_gen = 0;
	cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs, ev, 4, &cyc), 0,
		     "ctx_gen 0: no memo");
	cr_assert_gt(cyc, 0);
}

/*
 * A remembered hit still counts as a use for replacement (true LRU of
 * the L1 DTLB, skylake-sp: 64 entries, 4 ways, 16 sets). Pages A..D of
 * one set filled in that order; A, B used; A used again (a memo hit, or
 * a run of it); C, D used; A used again (memo). LRU order is then
 * B, C, D, A, so a fifth page E evicts B, not A: A still hits the L1.
 */
static void lru_through_memo(bool as_run)
{
	const uint64_t stride = 16 * 4096; /* same L1 DTLB set */
	uint64_t va[5];
	msim_hw_result r;

	side_init(&sa, false, "skylake-sp");
	cr_assert_eq(sa.e.cost.tlb.l1d[MSIM_PS_4K].entries, 64);
	cr_assert_eq(sa.e.cost.tlb.l1d[MSIM_PS_4K].ways, 4);
	cr_assert_eq(sa.e.cost.tlb.l1d[MSIM_PS_4K].repl, MSIM_REPL_LRU);
	for (int i = 0; i < 5; i++) {
		va[i] = VA + (uint64_t)i * stride;
		tu_env_map(&sa.e, va[i], 0x400000 + (uint64_t)i * 0x1000, 1, TU_LEAF);
	}
	sa.e.x.ctx_gen = 1;
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tu_access(&sa.e, va[i], MSIM_WACC_USER).tlb_level, 0);
	cr_assert_eq(tu_access(&sa.e, va[0], MSIM_WACC_USER).tlb_level, 1);
	cr_assert_eq(tu_access(&sa.e, va[1], MSIM_WACC_USER).tlb_level, 1);
	for (int k = 0; k < 2; k++) {
		if (as_run) {
			msim_event ev;
			uint64_t cyc = 0;

			memset(&ev, 0, sizeof(ev));
			ev.type = MSIM_EV_ACCESS;
			ev.arg[1] = va[0];
			ev.arg[2] = 3;
			cr_assert_eq(msim_hw_access_run(sa.e.hw, &sa.e.x, &sa.e.regs,
							&ev, 1, &cyc), 1);
		} else {
			cr_assert_eq(tu_access(&sa.e, va[0], MSIM_WACC_USER).tlb_level, 1);
		}
		if (k == 0) {
			cr_assert_eq(tu_access(&sa.e, va[2], MSIM_WACC_USER).tlb_level, 1);
			cr_assert_eq(tu_access(&sa.e, va[3], MSIM_WACC_USER).tlb_level, 1);
		}
	}
	r = tu_access(&sa.e, va[4], MSIM_WACC_USER);
	cr_assert_eq(r.tlb_level, 0, "E: walk, evicting the LRU way");
	cr_assert_eq(tu_access(&sa.e, va[0], MSIM_WACC_USER).tlb_level, 1,
		     "A was used last but one: still in the L1 DTLB");
	cr_assert_eq(tu_access(&sa.e, va[1], MSIM_WACC_USER).tlb_level, 2,
		     "B was the LRU way: evicted to the STLB");
}

Test(hw_memo, remembered_hit_updates_lru, .fini = fini)
{
	lru_through_memo(false);
}

Test(hw_memo, run_hit_updates_lru, .fini = fini)
{
	lru_through_memo(true);
}
