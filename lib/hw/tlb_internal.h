/*
 * Internals of the translation caches (tlb.c, pwc.c): one set-associative
 * array type used for every TLB, PSC and nested-cache level, so tags,
 * replacement and invalidation exist once.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_TLB_INTERNAL_H
#define MSIM_TLB_INTERNAL_H

#include "base/internal.h"
#include "mmu_sim/ept.h"
#include "mmu_sim/tlb.h"

/*
 * One cached translation / paging-structure entry.
 * key = tag << 7 | shift << 1 | 1, where tag = address >> shift (0: invalid).
 * ep  = EP4TA | 1 for combined and guest-physical entries, 0 for linear.
 */
struct msim_tlbe {
	uint64_t key;
	uint64_t ep;
	uint16_t pcid, vpid; /* compared fields first: one line per entry */
	uint8_t global;
	uint8_t flags;  /* MSIM_TLBE_* */
	uint8_t pat;
	uint8_t inv_shift; /* TLB: log2 of the guest page an INVLPG/#PF of any
			    * of its addresses must remove (SDM Vol. 3A 4.10.2-4.10.3); 0: key's */
	msim_rights rights;
	uint64_t out;   /* TLB: page base; PSC: next table (g)pa; NTLB: hpa base */
	uint64_t out2;  /* TLB: gpa page base; combined PSC: next table hpa */
	uint64_t stamp; /* LRU age */
} __attribute__((aligned(64)));

#define MSIM_TLBE_HPA 0x01   /* out2 valid (combined PSC) */
#define MSIM_TLBE_PF 0x02    /* STLB: prefetch-started, demand-unusable
			      * (msim_tlb_pf_fill); tag = la >> 21 */

/*
 * Key of a prefetch-started STLB entry: tag la >> 21 (so the set index is
 * the one of a 2 MB entry of la), shift field MSIM_TKEY_PF_SHIFT, which no
 * demand key has (those use 12, 21 or 30): msim_tarr_find can never
 * return it for a demand lookup, and msim_tarr_slot only replaces it by
 * another prefetch entry of the same 2 MB region and context.
 */
#define MSIM_TKEY_PF_SHIFT 63

struct msim_tarr {
	struct msim_tlbe *e; /* sets * ways entries, set-major */
	uint64_t *plru;      /* per-set tree bits (PLRU only) */
	unsigned sets, ways, set_mask, set_bits;
	bool xor_index;
	msim_repl repl;
	uint64_t tick;
	uint64_t rng;
	uint64_t *gen; /* owner's change counter: bumped by every fill and
			* invalidation (memoised hits check it) */
};

/* Tag values an entry must carry to be used under a context. */
struct msim_ttag {
	uint64_t ep;
	uint16_t pcid, vpid;
	bool pge;
};

static inline unsigned msim_tarr_set(const struct msim_tarr *a, uint64_t key)
{
	uint64_t tag = key >> 7;

	if (a->xor_index)
		tag ^= tag >> a->set_bits;
	return (unsigned)tag & a->set_mask;
}

static inline uint64_t msim_tkey(uint64_t addr, unsigned shift)
{
	return ((addr >> shift) << 7) | ((uint64_t)shift << 1) | 1;
}

static inline void msim_ttag_of(const msim_tlb_ctx *c, struct msim_ttag *t)
{
	t->ep = c->nested ? ((c->ep4ta & ~0xfffULL) | 1) : 0;
	t->pcid = c->pcid;
	t->vpid = c->vpid;
	t->pge = c->pge;
}

int msim_tarr_init(struct msim_tarr *a, const msim_tlb_geom *g, uint64_t seed);
void msim_tarr_free(struct msim_tarr *a);
void msim_tarr_touch(struct msim_tarr *a, unsigned set, unsigned way);
/* Entry to overwrite for `key` under `tag`: same-tag entry, invalid way or victim. */
struct msim_tlbe *msim_tarr_slot(struct msim_tarr *a, uint64_t key,
				 const struct msim_ttag *tag);
unsigned msim_tarr_count(const struct msim_tarr *a);

static inline bool msim_tarr_tag_ok(const struct msim_tlbe *e,
				    const struct msim_ttag *t)
{
	return e->ep == t->ep && e->vpid == t->vpid &&
	       (e->pcid == t->pcid || (e->global && t->pge));
}

static inline void msim_tarr_used(struct msim_tarr *a, struct msim_tlbe *e,
				  unsigned set, unsigned w)
{
	if (a->repl == MSIM_REPL_LRU)
		e->stamp = ++a->tick;
	else if (a->repl == MSIM_REPL_PLRU)
		msim_tarr_touch(a, set, w);
}

/*
 * Find key under tag; touches on hit. Hot path: inline. (A branch-free
 * compare of all ways measured slower, even in random page order.)
 */
static inline struct msim_tlbe *msim_tarr_find(struct msim_tarr *a,
					       uint64_t key,
					       const struct msim_ttag *t)
{
	unsigned set = msim_tarr_set(a, key), ways = a->ways;
	struct msim_tlbe *row = a->e + (size_t)set * ways;

	for (unsigned w = 0; w < ways; w++)
		if (row[w].key == key && msim_tarr_tag_ok(&row[w], t)) {
			msim_tarr_used(a, &row[w], set, w);
			return &row[w];
		}
	return NULL;
}

/* Invalidation predicate over entries of an array. */
#define MSIM_TM_VPID 0x01     /* e->vpid == vpid */
#define MSIM_TM_PCID 0x02     /* e->pcid == pcid */
#define MSIM_TM_PCID_OR_G 0x04 /* e->pcid == pcid || e->global */
#define MSIM_TM_NONGLOBAL 0x08 /* !e->global */
#define MSIM_TM_EP 0x10       /* e->ep == ep */
#define MSIM_TM_ADDR 0x20     /* entry covers addr */
#define MSIM_TM_EP_ANY 0x40   /* e->ep != 0 (combined / guest-physical) */
#define MSIM_TM_VPID_NZ 0x80  /* e->vpid != 0 */

struct msim_tmatch {
	unsigned flags;
	uint16_t vpid, pcid;
	uint64_t ep;
	uint64_t addr;
};

unsigned msim_tarr_inval(struct msim_tarr *a, const struct msim_tmatch *m);

/*
 * Prefetch-started STLB translation (cost.h pf_stlb_fill): put into the
 * STLB an entry for the 2 MB region of `la` (the prefetched address),
 * tagged like ctx, that no demand lookup can use and that is never copied
 * into an L1 TLB. It takes one STLB way (same-region entry of the same
 * context, invalid way or the replacement victim, as a demand fill does)
 * and is removed by every invalidation that removes a non-global entry
 * of that context covering any address of the 2 MB region. No-op without
 * an STLB. Bumps the TLB gen like any fill.
 */
void msim_tlb_pf_fill(msim_tlb *t, const msim_tlb_ctx *ctx, uint64_t la);

/* Number of prefetch-started entries in the STLB (tests, reports). */
unsigned msim_tlb_pf_count(const msim_tlb *t);

struct msim_tlb {
	msim_tlb_config cfg;
	struct msim_tarr l1d[MSIM_PS_COUNT_], l1i[MSIM_PS_COUNT_];
	struct msim_tarr stlb, stlb1g;
	struct msim_tarr psc[6], ntlb, npsc[6];
	/* hook context for the walker's nested-cache callbacks */
	const msim_tlb_ctx *hook_ctx;
	/* lookups made through the hooks since the last read (pricing) */
	unsigned ntlb_lookups, npsc_lookups;
	/* bumped whenever any entry of any array is written or removed:
	 * a lookup result remembered under an unchanged gen is still the
	 * result a lookup would give now (hw.c's hit memo) */
	uint64_t gen;
};

/* ------------------------------------------------------------ lookup */

static inline void msim_tlb_hit_out(const struct msim_tlbe *e, uint64_t la, unsigned level,
		    msim_tlb_hit *out)
{
	unsigned shift = (unsigned)(e->key >> 1) & 0x3f;
	uint64_t mask = (1ULL << shift) - 1;

	out->pa = e->out | (la & mask);
	out->gpa = e->out2 | (la & mask);
	out->page_size = 1ULL << shift;
	out->rights = &e->rights;
	out->pat = e->pat;
	out->global = e->global;
	out->level = level;
}

/* Everything but an L1 4K hit: out of line, so the hot path stays small. */
int msim_tlb_lookup_slow(msim_tlb *t, const struct msim_ttag *tag,
			 struct msim_tarr *l1, uint64_t la, msim_tlb_hit *out);

/* msim_tlb_lookup with the L1 4K hit inlined (hw.c's hot path). */
static inline int msim_tlb_lookup_inline(msim_tlb *t, const msim_tlb_ctx *ctx,
					 uint64_t la, bool fetch,
					 msim_tlb_hit *out)
{
	struct msim_ttag tag;
	struct msim_tarr *l1 = fetch ? t->l1i : t->l1d;
	struct msim_tlbe *e = NULL;

	msim_ttag_of(ctx, &tag);
	if (msim_likely(l1[MSIM_PS_4K].e != NULL))
		e = msim_tarr_find(&l1[MSIM_PS_4K], msim_tkey(la, 12), &tag);
	if (msim_likely(e != NULL)) {
		msim_tlb_hit_out(e, la, 1, out);
		return 1;
	}
	return msim_tlb_lookup_slow(t, &tag, l1, la, out);
}

#endif
