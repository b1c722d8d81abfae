/*
 * Prefetch-started STLB entries (cost.h pf_stlb_fill, hw.c prefetch_cover,
 * tlb.c msim_tlb_pf_fill): the mechanics on a small STLB, with every count
 * derived by hand from the rule:
 *  - a data access whose linear stride repeats the previous one puts one
 *    entry for the 2 MB region of (la + stride) into the STLB, after its
 *    own fill;
 *  - no demand lookup can use it and it never enters an L1 TLB;
 *  - it takes a way like a demand fill (so it evicts the set's LRU entry
 *    only when the set is full) and can itself be evicted;
 *  - invalidations remove it like a non-global entry of its context;
 *  - with the parameter off, nothing of this happens.
 * Geometry: STLB 8 entries, 2 ways, LRU, low-bits index (4 sets: set =
 * tag & 3; tag = la >> 12 for a 4K demand entry, la >> 21 for a prefetch
 * entry), holding 2M entries too (so a prefetch entry keyed like a 2M
 * translation would be found by a demand lookup); L1 DTLB 4K: 1 entry.
 * SPDX-License-Identifier: MIT
 */
#include "tlb_test_util.h"

#include "mmu_sim/stats.h"

#define S (2ULL << 20)                 /* stream stride: 2 MB */
#define VA 0x7f0000000000ULL           /* la >> 12 and la >> 21 both = 0 mod 4 */
#define A VA                           /* demand set 0 */
#define B (VA + 4 * S)                 /* demand set 0 */
#define W (VA + 64 * S + 0x1000)       /* Q(j) = W + j*S: demand set 1,
					* prefetch entry of Q(j) in set j & 3 */
#define Q(j) (W + (uint64_t)(j) * S)
#define U MSIM_WACC_USER

static struct tu_env env, env2;
static msim_stats *st, *st2;

static void fini(void)
{
	tu_env_free(&env);
	msim_stats_free(st);
	st = NULL;
	if (env2.hw) {
		tu_env_free(&env2);
		msim_stats_free(st2);
		st2 = NULL;
	}
	memset(&env2, 0, sizeof(env2));
}

/* env with the small TLB, pf.stride = `stride` (setup: on; its latency
 * rule is irrelevant here) and pf.stlb_fill = `on`; A, B and Q(0..7)
 * mapped (4K pages). */
static void setup2(struct tu_env *e, msim_stats **s, bool two_d, bool stride,
		   bool on)
{
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;

	tu_env_init(e, two_d, two_d ? "skylake-sp-2d" : "skylake-sp");
	msim_hw_free(e->hw);
	e->cost.tlb.l1d[MSIM_PS_4K] = (msim_tlb_geom){ 1, 1, MSIM_REPL_LRU, false };
	e->cost.tlb.stlb = (msim_tlb_geom){ 8, 2, MSIM_REPL_LRU, false };
	e->cost.tlb.stlb_2m = true;
	e->cost.pf_stride = stride;
	e->cost.pf_stlb_fill = on;
	cr_assert_eq(msim_stats_create(s), 0);
	ho.cost = &e->cost;
	ho.stats = *s;
	cr_assert_eq(msim_hw_create(&e->hw, &ho), 0, "%s", msim_last_error());
	tu_env_map(e, A, 0x400000, 1, TU_LEAF);
	tu_env_map(e, B, 0x401000, 1, TU_LEAF);
	for (unsigned j = 0; j < 8; j++)
		tu_env_map(e, Q(j), 0x410000 + j * 0x1000ULL, 1, TU_LEAF);
}

static void setup(struct tu_env *e, msim_stats **s, bool two_d, bool on)
{
	setup2(e, s, two_d, true, on);
}

static struct msim_tlb *tlb_of(struct tu_env *e)
{
	return msim_hw_tlb(e->hw);
}

static unsigned pf_count(struct tu_env *e)
{
	return msim_tlb_pf_count(tlb_of(e));
}

/* Is there a prefetch entry for la's 2 MB region in STLB set `set`? */
static const struct msim_tlbe *pf_entry(struct tu_env *e, uint64_t la,
					unsigned set)
{
	const struct msim_tarr *a = &tlb_of(e)->stlb;

	for (unsigned w = 0; w < a->ways; w++) {
		const struct msim_tlbe *t = &a->e[set * a->ways + w];
		if (t->key && (t->flags & MSIM_TLBE_PF) && t->out == (la & ~(S - 1)))
			return t;
	}
	return NULL;
}

/* Is the 4K demand translation of la in the STLB? */
static bool stlb_has(struct tu_env *e, uint64_t la)
{
	const struct msim_tarr *a = &tlb_of(e)->stlb;
	uint64_t key = msim_tkey(la, 12);

	for (unsigned i = 0; i < a->sets * a->ways; i++)
		if (a->e[i].key == key)
			return true;
	return false;
}

static unsigned level(struct tu_env *e, uint64_t la)
{
	msim_hw_result r = tu_access(e, la, U);

	cr_assert_eq(r.fault.kind, MSIM_FAULT_NONE);
	return r.tlb_level;
}

/* Q(0..3): the stride repeats from Q(2) on, so Q(2) prefetches Q(3)'s
 * region (set 3) and Q(3) prefetches Q(4)'s (set 0). */
static void stream4(struct tu_env *e)
{
	for (unsigned j = 0; j < 4; j++)
		cr_assert_eq(level(e, Q(j)), 0, "Q(%u): first touch walks", j);
}

Test(pf_stlb, constant_stride_inserts_one_entry_per_repeat, .fini = fini)
{
	setup(&env, &st, false, true);
	cr_assert_eq(level(&env, Q(0)), 0);
	cr_assert_eq(level(&env, Q(1)), 0);
	cr_assert_eq(pf_count(&env), 0, "one stride seen: nothing predicted yet");
	cr_assert_eq(level(&env, Q(2)), 0);
	cr_assert_eq(pf_count(&env), 1);
	cr_assert_not_null(pf_entry(&env, Q(3), 3), "Q(3)'s region, set 3");
	cr_assert_eq(level(&env, Q(3)), 0);
	cr_assert_eq(pf_count(&env), 2);
	cr_assert_not_null(pf_entry(&env, Q(4), 0), "Q(4)'s region, set 0");
	/* stride breaks predict nothing (A takes set 0's free way) */
	cr_assert_eq(level(&env, A), 0);
	cr_assert_eq(pf_count(&env), 2);
	cr_assert_eq(level(&env, Q(3)), 2, "STLB hit (the L1 held A)");
	cr_assert_eq(level(&env, Q(3) + 64), 1);
	cr_assert_eq(pf_count(&env), 2);
	/* stride 64 repeated: Q(3)'s region again, which replaces its own
	 * entry instead of adding one */
	cr_assert_eq(level(&env, Q(3) + 128), 1);
	cr_assert_eq(pf_count(&env), 2);
	cr_assert_not_null(pf_entry(&env, Q(3), 3));
	/* tagged like the access; no translation stored */
	{
		const struct msim_tlbe *t = pf_entry(&env, Q(4), 0);
		cr_assert_eq(t->ep, 0);
		cr_assert_eq(t->vpid, env.x.tag.vpid);
		cr_assert_eq(t->pcid, env.x.tag.pcid);
		cr_assert_eq(t->global, 0);
	}
}

Test(pf_stlb, entries_never_serve_demand_nor_enter_the_l1, .fini = fini)
{
	struct msim_tlb *t;

	setup(&env, &st, false, true);
	cr_assert_eq(level(&env, Q(0)), 0);
	cr_assert_eq(level(&env, Q(1)), 0);
	cr_assert_eq(level(&env, Q(2)), 0);
	cr_assert_not_null(pf_entry(&env, Q(3), 3));
	/* Q(3)'s region is "prefetched", yet its demand access walks (with
	 * tlb.stlb.2m the STLB is also probed with Q(3)'s 2M key) */
	cr_assert_eq(level(&env, Q(3)), 0, "a prefetch entry is no translation");
	cr_assert_not_null(pf_entry(&env, Q(3), 3), "and it stays");
	cr_assert(stlb_has(&env, Q(3)), "the demand fill is a separate entry");
	for (unsigned j = 4; j < 8; j++)
		cr_assert_eq(level(&env, Q(j)), 0, "Q(%u)", j);
	cr_assert_eq(msim_stats_get(st, "tlb.stlb.hit"), 0);
	t = tlb_of(&env);
	for (int c = 0; c < MSIM_PS_COUNT_; c++)
		for (const struct msim_tarr *a = &t->l1d[c]; a; a = a == &t->l1d[c] ? &t->l1i[c] : NULL)
			for (unsigned i = 0; i < a->sets * a->ways; i++) {
				cr_assert(!(a->e[i].flags & MSIM_TLBE_PF), "L1 class %d", c);
				cr_assert_neq((a->e[i].key >> 1) & 0x3f, MSIM_TKEY_PF_SHIFT);
			}
}

/* Set 0 holds the demand entries of A and B (B newer); Q(3)'s prefetch of
 * Q(4)'s region is the set's third entry: it evicts A (LRU), B stays. */
Test(pf_stlb, evicts_the_lru_demand_entry_when_the_set_overflows, .fini = fini)
{
	setup(&env, &st, false, true);
	cr_assert_eq(level(&env, A), 0);
	cr_assert_eq(level(&env, B), 0);
	cr_assert_eq(level(&env, Q(0)), 0);
	cr_assert_eq(level(&env, Q(1)), 0);
	cr_assert_eq(level(&env, Q(2)), 0); /* prefetch into set 3: free */
	cr_assert(stlb_has(&env, A) && stlb_has(&env, B));
	cr_assert_eq(level(&env, Q(3)), 0); /* prefetch into set 0: full */
	cr_assert(!stlb_has(&env, A), "A was the set's LRU entry");
	cr_assert(stlb_has(&env, B));
	cr_assert_eq(pf_count(&env), 2);
	cr_assert_eq(level(&env, B), 2, "B: STLB hit");
	cr_assert_eq(level(&env, A), 0, "A: evicted by the prefetch entry");
	/* A's fill found set 0 = {prefetch (older), B (just used)}: the
	 * prefetch entry is the victim this time */
	cr_assert_null(pf_entry(&env, Q(4), 0));
	cr_assert_eq(pf_count(&env), 1);
	cr_assert(stlb_has(&env, A) && stlb_has(&env, B));
}

Test(pf_stlb, takes_a_free_way_without_evicting, .fini = fini)
{
	setup(&env, &st, false, true);
	cr_assert_eq(level(&env, A), 0); /* set 0: A + one free way */
	stream4(&env);
	cr_assert_not_null(pf_entry(&env, Q(4), 0));
	cr_assert_eq(level(&env, A), 2, "A still in the STLB");
	/* the prefetch entry is filled as most recently used: with set 0 =
	 * {A, prefetch}, B's fill evicts the prefetch entry only if A was
	 * used after it - here it was (the access above) */
	cr_assert_eq(level(&env, B), 0);
	cr_assert_null(pf_entry(&env, Q(4), 0));
	cr_assert(stlb_has(&env, A) && stlb_has(&env, B));
}

Test(pf_stlb, is_filled_as_most_recently_used, .fini = fini)
{
	setup(&env, &st, false, true);
	cr_assert_eq(level(&env, A), 0);
	stream4(&env); /* set 0 = {A, then Q(4)'s prefetch entry} */
	cr_assert_eq(level(&env, B), 0);
	cr_assert(!stlb_has(&env, A), "A was older than the prefetch entry");
	cr_assert_not_null(pf_entry(&env, Q(4), 0));
}

/* Off: no entry, and the TLB behaves exactly as without the stride
 * detector (pf.stride off: nothing could have been prefetched). */
Test(pf_stlb, parameter_off_changes_nothing, .fini = fini)
{
	const struct msim_tarr *a1, *a2;

	setup2(&env, &st, false, true, false);
	setup2(&env2, &st2, false, false, false);
	cr_assert_eq(level(&env, A), 0);
	cr_assert_eq(level(&env, B), 0);
	stream4(&env);
	cr_assert_eq(pf_count(&env), 0);
	cr_assert(stlb_has(&env, A), "nothing evicted A");
	cr_assert_eq(level(&env, B), 2);
	cr_assert_eq(level(&env, A), 2);
	level(&env2, A);
	level(&env2, B);
	stream4(&env2);
	level(&env2, B);
	level(&env2, A);
	/* a long strided stream with stride breaks */
	for (unsigned k = 0; k < 300; k++) {
		uint64_t la = Q(k % 8) + (k / 8) * 64;
		msim_hw_result r1 = tu_access(&env, la, U);
		msim_hw_result r2 = tu_access(&env2, la, U);
		cr_assert_eq(r1.tlb_level, r2.tlb_level, "k %u", k);
		cr_assert_eq(r1.walk_refs, r2.walk_refs, "k %u", k);
	}
	cr_assert_eq(pf_count(&env), 0);
	a1 = &tlb_of(&env)->stlb;
	a2 = &tlb_of(&env2)->stlb;
	for (unsigned i = 0; i < a1->sets * a1->ways; i++)
		cr_assert_eq(a1->e[i].key, a2->e[i].key, "STLB slot %u", i);
	cr_assert_eq(msim_stats_get(st, "tlb.stlb.hit"), msim_stats_get(st2, "tlb.stlb.hit"));
	cr_assert_eq(msim_stats_get(st, "tlb.miss"), msim_stats_get(st2, "tlb.miss"));
}

Test(pf_stlb, invlpg_of_the_region_and_mov_cr3_remove_them, .fini = fini)
{
	setup(&env, &st, false, true);
	stream4(&env);
	cr_assert_eq(pf_count(&env), 2); /* Q(3)'s and Q(4)'s regions */
	tu_inv(&env, MSIM_INV_INVLPG, A, 0, 0);
	cr_assert_eq(pf_count(&env), 2, "another region: kept");
	/* any address of Q(3)'s 2 MB region, not only the prefetched page */
	tu_inv(&env, MSIM_INV_INVLPG, Q(3) + 0x7000, 0, 0);
	cr_assert_eq(pf_count(&env), 1);
	cr_assert_null(pf_entry(&env, Q(3), 3));
	cr_assert_not_null(pf_entry(&env, Q(4), 0));
	tu_inv(&env, MSIM_INV_INVLPG, Q(4), 0, 0); /* the prefetched page */
	cr_assert_eq(pf_count(&env), 0);
	/* MOV CR3 (PCIDE = 0): non-global entries of PCID 0 */
	/* Q(4..7) prefetch Q(5..8)'s regions (sets 1, 2, 3, 0); set 1 is
	 * also the demand set of every Q(j): {Q2, Q3} -> Q4 evicts Q2, P5
	 * evicts Q3, Q5 evicts Q4, Q6 evicts P5 (LRU), Q7 evicts Q5 */
	for (unsigned j = 4; j < 8; j++)
		level(&env, Q(j));
	cr_assert_eq(pf_count(&env), 3);
	cr_assert_null(pf_entry(&env, Q(5), 1));
	tu_inv(&env, MSIM_INV_MOV_CR3, env.regs.cr3, 0, 0);
	cr_assert_eq(pf_count(&env), 0);
}

Test(pf_stlb, pcid_tag_decides_what_mov_cr3_and_invpcid_remove, .fini = fini)
{
	setup(&env, &st, false, true);
	env.regs.cr4 |= MSIM_CR4_PCIDE;
	env.regs.cr3 = TU_GUEST_TABLES | 5;
	stream4(&env);
	cr_assert_eq(pf_count(&env), 2);
	cr_assert_eq(pf_entry(&env, Q(4), 0)->pcid, 5);
	tu_inv(&env, MSIM_INV_MOV_CR3, TU_GUEST_TABLES | 7, 0, 0);
	cr_assert_eq(pf_count(&env), 2, "PCID 7 flushed, entries are PCID 5");
	tu_inv(&env, MSIM_INV_INVPCID, 0, 5, Q(3)); /* individual address */
	cr_assert_eq(pf_count(&env), 1);
	tu_inv(&env, MSIM_INV_MOV_CR3, TU_GUEST_TABLES | 5, 0, 0);
	cr_assert_eq(pf_count(&env), 0);
}

Test(pf_stlb, two_d_entries_carry_vpid_and_ep4ta, .fini = fini)
{
	setup(&env, &st, true, true);
	stream4(&env);
	cr_assert_eq(pf_count(&env), 2);
	{
		const struct msim_tlbe *t = pf_entry(&env, Q(4), 0);
		cr_assert_not_null(t);
		cr_assert_eq(t->vpid, 1);
		cr_assert_eq(t->ep, (env.nested.eptp & MSIM_GENMASK(51, 12)) | 1);
	}
	tu_inv(&env, MSIM_INV_INVVPID, 1, 2, 0); /* single context, VPID 2 */
	cr_assert_eq(pf_count(&env), 2);
	tu_inv(&env, MSIM_INV_INVEPT, 1, env.nested.eptp + 0x1000, 0);
	cr_assert_eq(pf_count(&env), 2, "another EPTP");
	tu_inv(&env, MSIM_INV_INVEPT, 1, env.nested.eptp, 0);
	cr_assert_eq(pf_count(&env), 0);
}

/*
 * msim_hw_access_run: a prefetch fill changes the TLB, so the run ends at
 * the access after it (the next one goes the ordinary way); everything
 * stays what one-by-one accesses without memo give.
 */
Test(pf_stlb, access_run_ends_after_a_prefetch_fill_and_stays_exact, .fini = fini)
{
	msim_event ev[4];
	uint64_t cyc_a = 0, cyc_b = 0;
	size_t k;

	setup(&env, &st, false, true);
	setup(&env2, &st2, false, true);
	env.x.ctx_gen = 1; /* memo on; env2: off */
	/* one page: walk, then an L1 hit (remembered); strides A-0, 8 */
	cyc_a += tu_access(&env, A, U).cycles;
	cyc_a += tu_access(&env, A + 8, U).cycles;
	cyc_b += tu_access(&env2, A, U).cycles;
	cyc_b += tu_access(&env2, A + 8, U).cycles;
	cr_assert_eq(pf_count(&env), 0);
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 4; i++) {
		ev[i].type = MSIM_EV_ACCESS;
		ev[i].arg[0] = MSIM_ACC_READ;
		ev[i].arg[1] = A + 64 + 56 * (uint64_t)i; /* strides 56, 56, .. */
		ev[i].arg[2] = 3;
	}
	/* ev[0]: stride 56 (new), ev[1]: 56 again -> prefetch fill; ev[2]
	 * must not be taken from the memo of the old TLB generation */
	k = msim_hw_access_run(env.hw, &env.x, &env.regs, ev, 4, &cyc_a);
	cr_assert_eq(k, 2, "run length %zu", k);
	cr_assert_eq(pf_count(&env), 1);
	for (size_t i = k; i < 4; i++)
		cyc_a += tu_access(&env, ev[i].arg[1], msim_access_flags(&ev[i])).cycles;
	for (size_t i = 0; i < 4; i++)
		cyc_b += tu_access(&env2, ev[i].arg[1], msim_access_flags(&ev[i])).cycles;
	cr_assert_eq(cyc_a, cyc_b);
	cr_assert_eq(pf_count(&env), pf_count(&env2));
	for (unsigned i = 0; i < msim_stats_count(st); i++)
		cr_assert_eq(msim_stats_value(st, (int)i), msim_stats_value(st2, (int)i),
			     "counter %s", msim_stats_name(st, i));
}

/* The rule in the calibration chase (this-machine has it on): a 2 MB
 * sequential chase of 431 pages loses STLB hits, the random one does not,
 * and without the rule neither does (lib/calib.c; traces/hw/README.md). */
Test(pf_stlb, this_machine_sequential_2m_chase_loses_stlb_hits_early)
{
	msim_cost_params p;
	msim_chase_opts o = MSIM_CHASE_OPTS_INIT;
	double c_seq, c_rnd, c_off, ns;

	cr_assert_eq(msim_cost_preset("this-machine", &p), 0);
	cr_assert(p.pf_stlb_fill);
	o.pages = 431;
	o.page_size = 2ULL << 20;
	o.accesses = 5000;
	o.seed = 12345;
	o.random = true;
	cr_assert_eq(msim_chase_predict(&p, &o, &c_rnd, &ns), 0);
	o.random = false;
	cr_assert_eq(msim_chase_predict(&p, &o, &c_seq, &ns), 0);
	p.pf_stlb_fill = false;
	cr_assert_eq(msim_chase_predict(&p, &o, &c_off, &ns), 0);
	cr_assert_float_eq(c_off, c_rnd, 0.05 * c_rnd, "off: seq %.2f = random %.2f",
			   c_off, c_rnd);
	cr_assert_gt(c_seq, 1.2 * c_rnd, "on: seq %.2f vs random %.2f", c_seq, c_rnd);
	{
		msim_cost_params d;
		cr_assert_eq(msim_cost_preset("sapphire-rapids-2d", &d), 0);
		cr_assert(!d.pf_stlb_fill, "off in every other preset");
	}
}
