/*
 * The hardware access path: TLB -> PSC-started walk -> fill -> price.
 * See hw.h. SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hw/access_event.h"
#include "hw/hw.h"
#include "hw/cache_internal.h"
#include "base/internal.h"
#include "base/stats_internal.h"
#include "hw/tlb_internal.h"

enum {
	C_L1D_HIT, C_L1I_HIT, C_STLB_HIT, C_TLB_MISS, C_TLB_REWALK,
	C_PSC_HIT, C_WALK, C_WALK_REFS, C_WALK_REFS_NESTED, C_WALK_AD,
	C_WALK_FAULT, C_CACHE_L1, C_CACHE_L2, C_CACHE_LLC, C_CACHE_DRAM,
	C_CYC_TLB, C_CYC_WALK, C_CYC_DATA, C_CYC_INVAL, C_INVAL,
	C_COUNT_
};

static const char *const cnames[C_COUNT_][2] = {
	{ "tlb.l1d.hit", "data accesses hitting the L1 DTLB" },
	{ "tlb.l1i.hit", "fetches hitting the L1 ITLB" },
	{ "tlb.stlb.hit", "L1 TLB misses hitting the STLB" },
	{ "tlb.miss", "accesses that missed every TLB level" },
	{ "tlb.rewalk", "TLB hits re-walked (rights denied or write to D=0)" },
	{ "psc.hit", "walks started below the root by a PSC hit" },
	{ "walk.count", "page walks" },
	{ "walk.refs", "memory references made by walks" },
	{ "walk.refs.nested", "walk references to EPT/NPT entries" },
	{ "walk.ad_writes", "A/D updates made by walks" },
	{ "walk.fault", "walks ending in a fault" },
	{ "cache.l1d.hit", "references (walk + data) hitting the L1D" },
	{ "cache.l2.hit", "references hitting the L2" },
	{ "cache.llc.hit", "references hitting the LLC" },
	{ "cache.dram", "references served by DRAM" },
	{ "cycles.tlb", "cycles in TLB lookups (STLB hits)" },
	{ "cycles.walk", "cycles in page walks" },
	{ "cycles.data", "cycles of the data accesses" },
	{ "cycles.inval", "cycles of TLB invalidation instructions" },
	{ "tlb.inval", "invalidation operations applied" },
};

/*
 * Hit memo: an L1 TLB hit that passed the use-time checks, remembered per
 * (4K page, access kind, RFLAGS.AC). While the TLB (its gen) and the
 * caller's context (the xlat and its ctx_gen) are unchanged, a lookup
 * would find the same entry and the checks would pass again, so only its
 * replacement state is updated. Any change of those three starts a new
 * memo epoch, which forgets every entry at once. Direct-mapped.
 */
#define HW_MEMO 64
struct hw_memo {
	uint64_t key;        /* memo_key(), 0 = empty */
	uint64_t epoch;
	struct msim_tlbe *e;
	struct msim_tarr *a;
	uint64_t out, mask;  /* e's page base and offset mask */
	unsigned set, way;
} __attribute__((aligned(64)));

struct msim_hw {
	msim_cost_params cost;
	msim_tlb *tlb;
	msim_cache *cache;
	msim_stats *stats;
	int c[C_COUNT_];
	bool data_access;
	uint64_t pf_last;       /* stride prefetcher: last data la, stride */
	int64_t pf_delta;
	msim_tlb_ctx hook_tag;  /* tag the nested hooks see during a walk */
	msim_walk_result walk;  /* scratch, reused: no allocation per access */
	struct hw_memo memo[HW_MEMO];
	uint64_t memo_epoch;    /* current epoch, valid for: */
	const msim_hw_xlat *memo_x;
	uint64_t memo_ctx_gen, memo_tlb_gen;
};

static inline void bump(msim_hw *hw, unsigned i, uint64_t v)
{
	if (hw->stats && v)
		msim_stats_inc(hw->stats, hw->c[i], v);
}

int msim_hw_create(msim_hw **out, const msim_hw_opts *opts)
{
	static const msim_hw_opts def = MSIM_HW_OPTS_INIT;
	msim_hw *hw;
	int rc;

	if (!out)
		return msim_err(MSIM_EINVAL, "hw: NULL out");
	*out = NULL;
	if (!opts)
		opts = &def;
	hw = calloc(1, sizeof(*hw));
	if (!hw)
		return msim_err(MSIM_ENOMEM, "hw: out of memory");
	if (opts->cost)
		hw->cost = *opts->cost;
	else if ((rc = msim_cost_preset("skylake-sp", &hw->cost)))
		goto fail;
	hw->data_access = opts->data_access;
	hw->stats = opts->stats;
	if ((rc = msim_tlb_create(&hw->tlb, &hw->cost.tlb)))
		goto fail;
	rc = opts->share_llc ? msim_cache_create_shared(&hw->cache, &hw->cost,
							 opts->share_llc->cache)
			     : msim_cache_create(&hw->cache, &hw->cost);
	if (rc)
		goto fail;
	for (unsigned i = 0; hw->stats && i < C_COUNT_; i++) {
		rc = msim_stats_register(hw->stats, cnames[i][0], cnames[i][1]);
		if (rc < 0)
			goto fail;
		hw->c[i] = rc;
	}
	*out = hw;
	return 0;
fail:
	msim_hw_free(hw);
	return rc;
}

void msim_hw_free(msim_hw *hw)
{
	if (!hw)
		return;
	msim_tlb_free(hw->tlb);
	msim_cache_free(hw->cache);
	free(hw);
}

msim_tlb *msim_hw_tlb(msim_hw *hw)
{
	return hw->tlb;
}

msim_cache *msim_hw_cache(msim_hw *hw)
{
	return hw->cache;
}

const msim_cost_params *msim_hw_cost(const msim_hw *hw)
{
	return &hw->cost;
}

void msim_hw_tag_from(msim_tlb_ctx *tag, const msim_paging_regs *regs,
		      uint16_t vpid, const msim_nested *nested)
{
	memset(tag, 0, sizeof(*tag));
	tag->pcide = !!(regs->cr4 & MSIM_CR4_PCIDE);
	tag->pcid = tag->pcide ? (uint16_t)(regs->cr3 & 0xfff) : 0;
	tag->pge = !!(regs->cr4 & MSIM_CR4_PGE);
	tag->vpid = vpid;
	if (nested) {
		tag->nested = true;
		tag->ep4ta = (nested->kind == MSIM_NESTED_EPT ? nested->eptp
							     : nested->ncr3) &
			     MSIM_GENMASK(51, 12);
	}
}

/* Price one reference through the cache hierarchy. */
static inline uint64_t price(msim_hw *hw, uint64_t pa, bool walk)
{
	uint64_t cyc = 0;
	unsigned lvl = msim_cache_access_inline(hw->cache, pa,
						walk && !hw->cost.walk_l1d, &cyc);

	bump(hw, C_CACHE_L1 + (lvl - 1), 1);
	return cyc;
}

/* Use-time checks of a cached translation (SDM Vol. 3A 4.6.2; SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5; SDM Vol. 3A 4.8). */
static bool hit_usable(const msim_hw_xlat *x, const msim_tlb_hit *h,
		       unsigned access)
{
	if (msim_rights_check(h->rights, x->regs, access))
		return false;
	if ((access & MSIM_WACC_WRITE) && !h->rights->dirty)
		return false; /* the walk must set D (SDM Vol. 3A 4.8 policy: re-walk) */
	if (x->nested && h->rights->nested)
		return msim_nested_rights_ok(h->rights, access,
					     x->nested->kind == MSIM_NESTED_EPT &&
						     x->nested->mbec);
	return true;
}

/* The miss path; out of line so the TLB-hit path keeps a small frame. */
static __attribute__((noinline)) int do_walk(msim_hw *hw,
					     const msim_hw_xlat *x, uint64_t la,
					     unsigned access, msim_hw_result *res)
{
	msim_walk_opts wo = MSIM_WALK_OPTS_INIT;
	msim_walk_start st;
	msim_nested n;
	msim_paging_mode mode = msim_paging_mode_of(x->regs);
	msim_walk_result *w = &hw->walk;
	uint64_t cyc = hw->cost.lat_walk;
	int rc;

	wo.ad_policy = x->ad_policy;
	wo.ad_order = x->ad_order;
	res->psc_level = msim_psc_lookup(hw->tlb, &x->tag, mode, la, &st);
	if (res->psc_level) {
		wo.start = &st;
		bump(hw, C_PSC_HIT, 1);
	}
	cyc += hw->cost.lat_psc;
	if (x->nested) {
		n = *x->nested;
		hw->hook_tag = x->tag;
		msim_nested_cache_hooks(hw->tlb, &hw->hook_tag, &n);
		wo.nested = &n;
		hw->tlb->ntlb_lookups = hw->tlb->npsc_lookups = 0;
	}
	rc = msim_walk(x->mem, x->cpu, x->regs, &wo, la, access, w);
	if (rc < 0)
		return rc;
	if (x->nested) /* nested-cache probes the walker made */
		cyc += (uint64_t)hw->cost.lat_ntlb * hw->tlb->ntlb_lookups +
		       (uint64_t)hw->cost.lat_psc * hw->tlb->npsc_lookups;
	{
		unsigned nr = w->nrefs < MSIM_WALK_MAX_REFS ? w->nrefs
							     : MSIM_WALK_MAX_REFS;
		unsigned nested_refs = 0;
		for (unsigned i = 0; i < nr; i++) {
			cyc += price(hw, w->refs[i].addr, true);
			if (w->refs[i].kind == MSIM_REF_AD_WRITE)
				cyc += hw->cost.lat_ad_write;
			nested_refs += w->refs[i].dim == 1;
		}
		bump(hw, C_WALK_REFS_NESTED, nested_refs);
	}
	bump(hw, C_WALK, 1);
	bump(hw, C_WALK_REFS, w->nrefs);
	bump(hw, C_WALK_AD, w->nad_writes);
	res->walk = w;
	res->walk_refs = w->nrefs;
	res->cycles_walk = cyc;
	res->fault = w->fault;
	if (w->fault.kind != MSIM_FAULT_NONE) {
		msim_inv op = { MSIM_INV_PF, { la, 0, 0 } };
		bump(hw, C_WALK_FAULT, 1);
		if (w->fault.kind == MSIM_FAULT_EPT_VIOLATION ||
		    w->fault.kind == MSIM_FAULT_NPF ||
		    w->fault.kind == MSIM_FAULT_EPT_MISCONFIG) {
			op.kind = MSIM_INV_EPT_VIOLATION;
			op.a[0] = w->fault.kind == MSIM_FAULT_NPF
					  ? w->fault.exitinfo2
					  : w->fault.gpa;
			op.a[1] = la;
			op.a[2] = 1;
		}
		/* SDM Vol. 3A 4.10.4.1; SDM Vol. 3C 28.3.3.1: a fault removes what could have caused it */
		msim_tlb_invalidate(hw->tlb, &x->tag, &op, NULL);
		/* the upper levels the walk read are still valid */
		msim_psc_fill(hw->tlb, &x->tag, mode, la, w);
		return 0;
	}
	{
		/* the entry's "dirty" = a write may use it without a walk: the
		 * guest leaf's D (none without guest paging) and, when the
		 * second level keeps A/D (EPT A/D, NPT), only if this access
		 * already was a write (its nested D is set) */
		uint8_t d = w->rights.dirty;
		bool nested_ad = x->nested &&
				 (x->nested->kind == MSIM_NESTED_NPT ||
				  (x->nested->eptp & MSIM_EPTP_AD));
		if (!w->leaf_level)
			w->rights.dirty = 1;
		if (nested_ad && !(access & MSIM_WACC_WRITE))
			w->rights.dirty = 0;
		msim_tlb_fill(hw->tlb, &x->tag, la, access & MSIM_WACC_FETCH, w);
		w->rights.dirty = d;
	}
	msim_psc_fill(hw->tlb, &x->tag, mode, la, w);
	if (x->nested)
		msim_nested_cache_fill(hw->tlb, &x->tag, &n, w);
	res->pa = w->pa;
	res->gpa = w->gpa;
	res->page_size = w->page_size;
	return 0;
}

/*
 * Stride / next-page prefetch (cost.h pf_*): the same linear stride twice
 * in a row means this access was fetched ahead; it pays only part of its
 * latency above an L1 hit. Components are scaled alike.
 * With pf_stlb_fill, a repeated stride of any size also starts the
 * translation of the next address (la + stride) the way the L1 IP-based
 * stride prefetcher is documented to (Intel optimization manual as quoted
 * in traces/hw/README.md: "capable of crossing page boundaries and
 * starting translations for TLB misses"): modelled as a
 * demand-unusable STLB entry for that address's 2 MB region, taking a
 * way after this access's own fill (msim_tlb_pf_fill; traces/hw/README.md
 * "The 2 MB sequential knee"). It changes the TLB (its gen).
 */
static void prefetch_cover(msim_hw *hw, const msim_hw_xlat *x, uint64_t la,
			   msim_hw_result *res)
{
	int64_t d = (int64_t)(la - hw->pf_last);
	uint64_t ad = d < 0 ? (uint64_t)-d : (uint64_t)d;
	uint64_t l1 = hw->cost.l1d.latency, t = res->cycles, nt;

	if (hw->cost.pf_stlb_fill && d && d == hw->pf_delta)
		msim_tlb_pf_fill(hw->tlb, &x->tag, la + (uint64_t)d);
	if (d && d == hw->pf_delta && ad <= hw->cost.pf_max_stride && t > l1) {
		nt = l1 + ((t - l1) * hw->cost.pf_pct + 50) / 100;
		if (nt > hw->cost.pf_lat)
			nt = hw->cost.pf_lat;
		if (nt < t) {
			res->cycles_tlb = res->cycles_tlb * nt / t;
			res->cycles_walk = res->cycles_walk * nt / t;
			res->cycles_data = nt - res->cycles_tlb - res->cycles_walk;
			res->cycles = nt;
		}
	}
	hw->pf_delta = d;
	hw->pf_last = la;
}

static inline uint64_t memo_key_ac(uint64_t la, unsigned access, bool ac)
{
	return (la >> 12) << 8 | (access & 0x3f) << 2 | (uint64_t)ac << 1 | 1;
}

static inline uint64_t memo_key(uint64_t la, unsigned access,
				const msim_paging_regs *regs)
{
	return memo_key_ac(la, access, regs->rflags & MSIM_RFLAGS_AC);
}

/* Slot of a key: the access kind is mixed in, so reads and writes of
 * one page do not evict each other. */
static inline unsigned memo_slot(uint64_t key)
{
	return (unsigned)((key ^ (key >> 8)) % HW_MEMO);
}

/* Enter the memo epoch of (x, its ctx_gen, the TLB's gen). */
static inline uint64_t memo_epoch(msim_hw *hw, const msim_hw_xlat *x)
{
	if (msim_unlikely(hw->memo_x != x || hw->memo_ctx_gen != x->ctx_gen ||
			  hw->memo_tlb_gen != hw->tlb->gen)) {
		hw->memo_x = x;
		hw->memo_ctx_gen = x->ctx_gen;
		hw->memo_tlb_gen = hw->tlb->gen;
		hw->memo_epoch++;
	}
	return hw->memo_epoch;
}

/* Remember the L1 hit `h` just found usable for (la, access). */
static void memo_fill(msim_hw *hw, const msim_hw_xlat *x, uint64_t la,
		      unsigned access, const msim_tlb_hit *h)
{
	uint64_t key = memo_key(la, access, x->regs);
	struct hw_memo *mo = &hw->memo[memo_slot(key)];
	struct msim_tlbe *e = (struct msim_tlbe *)((char *)h->rights -
						   offsetof(struct msim_tlbe, rights));
	unsigned shift = (unsigned)(e->key >> 1) & 0x3f;
	struct msim_tarr *l1 = (access & MSIM_WACC_FETCH) ? hw->tlb->l1i
							 : hw->tlb->l1d;
	struct msim_tarr *a = &l1[shift >= 30 ? MSIM_PS_1G
				  : shift >= 21 ? MSIM_PS_2M : MSIM_PS_4K];
	size_t i = (size_t)(e - a->e);

	if (!a->e || i >= (size_t)a->sets * a->ways)
		return; /* not an L1 entry: nothing to remember */
	mo->key = key;
	mo->epoch = memo_epoch(hw, x);
	mo->e = e;
	mo->a = a;
	mo->out = e->out;
	mo->mask = (1ULL << shift) - 1;
	mo->set = (unsigned)(i / a->ways);
	mo->way = (unsigned)(i % a->ways);
}

/* The remembered entry for `key` (memo_key of la) if valid in `epoch`,
 * touched as a lookup hit would touch it; NULL if the access must look
 * the TLB up. */
static inline const struct hw_memo *memo_hit(msim_hw *hw, uint64_t key,
					     uint64_t epoch)
{
	const struct hw_memo *mo = &hw->memo[memo_slot(key)];

	if (mo->key != key || mo->epoch != epoch)
		return NULL;
	msim_tarr_used(mo->a, mo->e, mo->set, mo->way);
	return mo;
}

size_t msim_hw_access_run(msim_hw *hw, const msim_hw_xlat *x,
			  msim_paging_regs *regs, const msim_event *ev,
			  size_t n, uint64_t *cycles)
{
	uint64_t fetches = 0, below_l1[4] = { 0, 0, 0, 0 };
	uint64_t cyc_data = 0, tlb_covered = 0, epoch;
	const uint64_t lat_tlb = hw->cost.lat_l1tlb;
	const bool data = hw->data_access, pf = hw->cost.pf_stride;
	size_t i;

	if (!x->ctx_gen || x->regs != regs || !n)
		return 0;
	/* no TLB change and no new context during a run of memo hits */
	epoch = memo_epoch(hw, x);
	for (i = 0; i < n; i++) {
		const msim_event *a = &ev[i];
		unsigned access = msim_access_flags(a);
		bool fetch = access & MSIM_WACC_FETCH;
		uint64_t la = a->arg[1];
		const struct hw_memo *mo;
		uint64_t cd = 0;

		if (a->type != MSIM_EV_ACCESS || a->vcpu != ev->vcpu)
			break;
		mo = memo_hit(hw, memo_key_ac(la, access, a->arg[3] != 0), epoch);
		if (!mo)
			break;
		/* what msim_hw_access does after an L1 hit, minus the result
		 * fields nobody reads here; counters summed per run */
		fetches += fetch;
		if (data) {
			unsigned l = msim_cache_access_inline(
				hw->cache, mo->out | (la & mo->mask), false, &cd);

			if (msim_unlikely(l != 1))
				below_l1[l - 1]++;
		}
		if (pf && !fetch) {
			msim_hw_result r;

			r.cycles_tlb = lat_tlb;
			r.cycles_walk = 0;
			r.cycles_data = cd;
			r.cycles = lat_tlb + cd;
			prefetch_cover(hw, x, la, &r);
			if (hw->cost.pf_stlb_fill) /* it may have filled the STLB */
				epoch = memo_epoch(hw, x);
			tlb_covered += lat_tlb - r.cycles_tlb;
			cd = r.cycles_data;
		}
		cyc_data += cd;
	}
	bump(hw, C_L1D_HIT, i - fetches);
	bump(hw, C_L1I_HIT, fetches);
	if (data)
		bump(hw, C_CACHE_L1, i - below_l1[1] - below_l1[2] - below_l1[3]);
	for (unsigned l = 1; l < 4; l++)
		bump(hw, C_CACHE_L1 + l, below_l1[l]);
	bump(hw, C_CYC_TLB, lat_tlb * i - tlb_covered);
	bump(hw, C_CYC_DATA, cyc_data);
	*cycles += lat_tlb * i - tlb_covered + cyc_data;
	/* the registers as the last access left them (the rights checks of
	 * the run used each access's own CPL / AC through its memo key) */
	if (i)
		msim_access_set_mode(regs, &ev[i - 1]);
	return i;
}

int msim_hw_access(msim_hw *hw, const msim_hw_xlat *x, uint64_t la,
		   unsigned access, msim_hw_result *res)
{
	msim_tlb_hit h;
	bool fetch = access & MSIM_WACC_FETCH;
	int lvl, rc;

	/* no memset: this is the hot path; fault details are only defined
	 * when fault.kind != NONE (then copied whole from the walk) */
	res->fault.kind = MSIM_FAULT_NONE;
	res->pa = res->gpa = res->page_size = 0;
	res->tlb_level = res->psc_level = res->walk_refs = 0;
	res->cycles_tlb = res->cycles_walk = res->cycles_data = 0;
	res->walk = NULL;
	if (!x->nested && !(x->regs->cr0 & MSIM_CR0_PG)) {
		/* paging off, no second level: la is the physical address */
		res->pa = res->gpa = la & 0xffffffffULL;
		res->page_size = 4096;
		goto data;
	}
	if (x->ctx_gen) {
		const struct hw_memo *mo = memo_hit(hw, memo_key(la, access, x->regs),
						    memo_epoch(hw, x));

		if (mo) {
			msim_tlb_hit_out(mo->e, la, 1, &h);
			lvl = 1;
			goto usable;
		}
	}
	lvl = msim_tlb_lookup_inline(hw->tlb, &x->tag, la, fetch, &h);
	if (lvl && hit_usable(x, &h, access)) {
		if (lvl == 1 && x->ctx_gen)
			memo_fill(hw, x, la, access, &h);
usable:
		res->tlb_level = (unsigned)lvl;
		res->pa = h.pa;
		res->gpa = h.gpa;
		res->page_size = h.page_size;
		res->cycles_tlb = hw->cost.lat_l1tlb;
		if (lvl == 1) {
			bump(hw, fetch ? C_L1I_HIT : C_L1D_HIT, 1);
		} else {
			bump(hw, C_STLB_HIT, 1);
			res->cycles_tlb += hw->cost.lat_stlb;
		}
		goto data;
	}
	if (lvl)
		bump(hw, C_TLB_REWALK, 1);
	else
		bump(hw, C_TLB_MISS, 1);
	/* both TLB levels were probed */
	res->cycles_tlb = hw->cost.lat_l1tlb + hw->cost.lat_stlb;
	rc = do_walk(hw, x, la, access, res);
	if (rc < 0)
		return rc;
	if (res->fault.kind != MSIM_FAULT_NONE) {
		res->cycles = res->cycles_tlb + res->cycles_walk;
		goto out;
	}
data:
	if (hw->data_access)
		res->cycles_data = price(hw, res->pa, false);
	res->cycles = res->cycles_tlb + res->cycles_walk + res->cycles_data;
	if (hw->cost.pf_stride && !fetch)
		prefetch_cover(hw, x, la, res);
out:
	bump(hw, C_CYC_TLB, res->cycles_tlb);
	bump(hw, C_CYC_WALK, res->cycles_walk);
	bump(hw, C_CYC_DATA, res->cycles_data);
	return 0;
}

static uint64_t inv_price(const msim_cost_params *c, const msim_inv *op)
{
	switch (op->kind) {
	case MSIM_INV_MOV_CR3: return c->mov_cr3;
	case MSIM_INV_INVLPG:
	case MSIM_INV_INVLPGA: return c->invlpg;
	case MSIM_INV_INVPCID: return c->invpcid;
	case MSIM_INV_INVVPID:
		return op->a[0] == 0 ? c->invvpid_addr
		       : op->a[0] == 2 ? c->invvpid_all
				       : c->invvpid_single;
	case MSIM_INV_INVEPT:
		return op->a[0] == 2 ? c->invept_all : c->invept_single;
	default: return 0;
	}
}

int msim_hw_invalidate(msim_hw *hw, const msim_tlb_ctx *tag,
		       const msim_inv *op, uint64_t *cycles)
{
	uint64_t cyc;
	int rc = msim_tlb_invalidate(hw->tlb, tag, op, NULL);

	if (rc)
		return rc;
	cyc = inv_price(&hw->cost, op);
	bump(hw, C_INVAL, 1);
	bump(hw, C_CYC_INVAL, cyc);
	if (cycles)
		*cycles = cyc;
	return 0;
}
