/*
 * TLBs: tagged set-associative arrays, L1/STLB lookup and fill, and the
 * invalidation operations of the SDM SDM Vol. 3A 4.10.4.1; AMD APM Vol. 2 15.16.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "hw/tlb_internal.h"

/* ------------------------------------------------------------ arrays */

static bool pow2(unsigned x)
{
	return x && !(x & (x - 1));
}

int msim_tarr_init(struct msim_tarr *a, const msim_tlb_geom *g, uint64_t seed)
{
	memset(a, 0, sizeof(*a));
	if (!g->entries)
		return 0;
	if (!g->ways || g->entries % g->ways || !pow2(g->entries / g->ways))
		return msim_err(MSIM_EINVAL,
				"tlb: %u entries / %u ways: sets must be a power of two",
				g->entries, g->ways);
	if (g->repl == MSIM_REPL_PLRU && (!pow2(g->ways) || g->ways > 64))
		return msim_err(MSIM_EINVAL,
				"tlb: tree-PLRU needs a power-of-two way count (got %u)",
				g->ways);
	if (g->repl > MSIM_REPL_RANDOM)
		return msim_err(MSIM_EINVAL, "tlb: bad replacement policy %d",
				(int)g->repl);
	a->sets = g->entries / g->ways;
	a->ways = g->ways;
	a->set_mask = a->sets - 1;
	a->set_bits = (unsigned)__builtin_ctz(a->sets);
	a->xor_index = g->xor_index && a->sets > 1;
	a->repl = g->repl;
	a->rng = seed;
	/* entries are 64-byte aligned (one line each): calloc only
	 * guarantees 16 (small arrays, e.g. a 1-entry L1, were misaligned) */
	a->e = aligned_alloc(_Alignof(struct msim_tlbe),
			     (size_t)g->entries * sizeof(*a->e));
	if (!a->e)
		return msim_err(MSIM_ENOMEM, "tlb: out of memory");
	memset(a->e, 0, (size_t)g->entries * sizeof(*a->e));
	if (g->repl == MSIM_REPL_PLRU) {
		a->plru = calloc(a->sets, sizeof(*a->plru));
		if (!a->plru) {
			free(a->e);
			a->e = NULL;
			return msim_err(MSIM_ENOMEM, "tlb: out of memory");
		}
	}
	return 0;
}

void msim_tarr_free(struct msim_tarr *a)
{
	free(a->e);
	free(a->plru);
	memset(a, 0, sizeof(*a));
}

/*
 * Tree-PLRU: node bits in heap order (root = 1); a bit gives the side the
 * next victim is taken from. Using way w points every node on w's path
 * away from w.
 */
void msim_tarr_touch(struct msim_tarr *a, unsigned set, unsigned way)
{
	uint64_t bits = a->plru[set];
	unsigned node = 1;

	for (unsigned half = a->ways >> 1; half; half >>= 1) {
		unsigned right = (way & half) != 0;
		if (right)
			bits &= ~(1ULL << node); /* victim side: left */
		else
			bits |= 1ULL << node;    /* victim side: right */
		node = 2 * node + right;
	}
	a->plru[set] = bits;
}

static unsigned plru_victim(const struct msim_tarr *a, unsigned set)
{
	uint64_t bits = a->plru[set];
	unsigned node = 1;

	while (node < a->ways)
		node = 2 * node + (unsigned)((bits >> node) & 1);
	return node - a->ways;
}

struct msim_tlbe *msim_tarr_slot(struct msim_tarr *a, uint64_t key,
				 const struct msim_ttag *t)
{
	unsigned set = msim_tarr_set(a, key);
	struct msim_tlbe *row = a->e + (size_t)set * a->ways;
	unsigned victim = a->ways;

	if (a->gen)
		++*a->gen;

	/* same translation already cached: replace it, never duplicate */
	for (unsigned w = 0; w < a->ways; w++)
		if (row[w].key == key && row[w].ep == t->ep &&
		    row[w].vpid == t->vpid && row[w].pcid == t->pcid) {
			victim = w;
			goto found;
		}
	for (unsigned w = 0; w < a->ways; w++)
		if (!row[w].key) {
			victim = w;
			goto found;
		}
	switch (a->repl) {
	case MSIM_REPL_LRU:
		victim = 0;
		for (unsigned w = 1; w < a->ways; w++)
			if (row[w].stamp < row[victim].stamp)
				victim = w;
		break;
	case MSIM_REPL_PLRU:
		victim = plru_victim(a, set);
		break;
	case MSIM_REPL_RANDOM:
		victim = (unsigned)(msim_rng_next(&a->rng) % a->ways);
		break;
	}
found:
	if (a->repl == MSIM_REPL_LRU)
		row[victim].stamp = ++a->tick;
	else if (a->repl == MSIM_REPL_PLRU)
		msim_tarr_touch(a, set, victim);
	return &row[victim];
}

unsigned msim_tarr_count(const struct msim_tarr *a)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)a->sets * a->ways; i++)
		n += a->e[i].key != 0;
	return n;
}

static bool tm_hit(const struct msim_tlbe *e, const struct msim_tmatch *m)
{
	unsigned f = m->flags;

	if (!e->key)
		return false;
	if ((f & MSIM_TM_VPID) && e->vpid != m->vpid)
		return false;
	if ((f & MSIM_TM_VPID_NZ) && !e->vpid)
		return false;
	if ((f & MSIM_TM_PCID) && e->pcid != m->pcid)
		return false;
	if ((f & MSIM_TM_PCID_OR_G) && e->pcid != m->pcid && !e->global)
		return false;
	if ((f & MSIM_TM_NONGLOBAL) && e->global)
		return false;
	if ((f & MSIM_TM_EP) && e->ep != m->ep)
		return false;
	if ((f & MSIM_TM_EP_ANY) && !e->ep)
		return false;
	if (f & MSIM_TM_ADDR) {
		/* a piece of a larger guest page goes with every address of
		 * that page (fractured / splintered entries, SDM Vol. 3A 4.10.2-4.10.3) */
		unsigned kshift = (unsigned)(e->key >> 1) & 0x3f;
		unsigned shift;

		if (kshift == MSIM_TKEY_PF_SHIFT)
			kshift = 21; /* prefetch entry: tag = la >> 21 */
		shift = e->inv_shift ? e->inv_shift : kshift;
		if (((e->key >> 7) << kshift) >> shift != m->addr >> shift)
			return false;
	}
	return true;
}

unsigned msim_tarr_inval(struct msim_tarr *a, const struct msim_tmatch *m)
{
	unsigned n = 0;

	if (a->gen)
		++*a->gen;

	for (size_t i = 0; i < (size_t)a->sets * a->ways; i++)
		if (tm_hit(&a->e[i], m)) {
			a->e[i].key = 0;
			a->e[i].global = 0;
			n++;
		}
	return n;
}

/* ------------------------------------------------------------ complex */

int msim_tlb_create(msim_tlb **out, const msim_tlb_config *cfg)
{
	static const msim_tlb_config def = MSIM_TLB_CONFIG_INIT;
	msim_tlb *t;
	uint64_t seed;
	int rc = 0;

	if (!out)
		return msim_err(MSIM_EINVAL, "tlb: NULL out");
	*out = NULL;
	if (!cfg)
		cfg = &def;
	t = calloc(1, sizeof(*t));
	if (!t)
		return msim_err(MSIM_ENOMEM, "tlb: out of memory");
	t->cfg = *cfg;
	seed = cfg->seed;
	for (int i = 0; i < MSIM_PS_COUNT_ && !rc; i++) {
		rc = msim_tarr_init(&t->l1d[i], &cfg->l1d[i], seed + 1 + i);
		if (!rc)
			rc = msim_tarr_init(&t->l1i[i], &cfg->l1i[i], seed + 11 + i);
	}
	if (!rc)
		rc = msim_tarr_init(&t->stlb, &cfg->stlb, seed + 21);
	if (!rc)
		rc = msim_tarr_init(&t->stlb1g, &cfg->stlb_1g, seed + 22);
	for (int l = 2; l <= 5 && !rc; l++) {
		rc = msim_tarr_init(&t->psc[l], &cfg->psc[l], seed + 30 + l);
		if (!rc)
			rc = msim_tarr_init(&t->npsc[l], &cfg->npsc[l], seed + 40 + l);
	}
	if (!rc)
		rc = msim_tarr_init(&t->ntlb, &cfg->ntlb, seed + 50);
	if (rc) {
		msim_tlb_free(t);
		return rc;
	}
	for (int i = 0; i < MSIM_PS_COUNT_; i++)
		t->l1d[i].gen = t->l1i[i].gen = &t->gen;
	t->stlb.gen = t->stlb1g.gen = t->ntlb.gen = &t->gen;
	for (int l = 0; l < 6; l++)
		t->psc[l].gen = t->npsc[l].gen = &t->gen;
	*out = t;
	return 0;
}

void msim_tlb_free(msim_tlb *t)
{
	if (!t)
		return;
	for (int i = 0; i < MSIM_PS_COUNT_; i++) {
		msim_tarr_free(&t->l1d[i]);
		msim_tarr_free(&t->l1i[i]);
	}
	msim_tarr_free(&t->stlb);
	msim_tarr_free(&t->stlb1g);
	msim_tarr_free(&t->ntlb);
	for (int l = 0; l < 6; l++) {
		msim_tarr_free(&t->psc[l]);
		msim_tarr_free(&t->npsc[l]);
	}
	free(t);
}

const msim_tlb_config *msim_tlb_get_config(const msim_tlb *t)
{
	return &t->cfg;
}

static unsigned class_of_shift(unsigned shift)
{
	return shift >= 30 ? MSIM_PS_1G : shift >= 21 ? MSIM_PS_2M : MSIM_PS_4K;
}

static void copy_entry(struct msim_tarr *a, const struct msim_tlbe *src,
		       const struct msim_ttag *tag)
{
	struct msim_tlbe *d;
	uint64_t stamp;

	if (!a->e)
		return;
	d = msim_tarr_slot(a, src->key, tag);
	stamp = d->stamp;
	*d = *src;
	d->stamp = stamp;
}

/* Everything but an L1 4K hit (see msim_tlb_lookup_inline). */
int msim_tlb_lookup_slow(msim_tlb *t, const struct msim_ttag *tag,
			 struct msim_tarr *l1, uint64_t la, msim_tlb_hit *out)
{
	struct msim_tlbe *e = NULL;

	if (l1[MSIM_PS_2M].e)
		e = msim_tarr_find(&l1[MSIM_PS_2M], msim_tkey(la, 21), tag);
	if (!e && l1[MSIM_PS_1G].e)
		e = msim_tarr_find(&l1[MSIM_PS_1G], msim_tkey(la, 30), tag);
	if (e) {
		msim_tlb_hit_out(e, la, 1, out);
		return 1;
	}
	if (t->stlb.e) {
		e = msim_tarr_find(&t->stlb, msim_tkey(la, 12), tag);
		if (!e && t->cfg.stlb_2m)
			e = msim_tarr_find(&t->stlb, msim_tkey(la, 21), tag);
	}
	if (!e && t->stlb1g.e)
		e = msim_tarr_find(&t->stlb1g, msim_tkey(la, 30), tag);
	if (!e)
		return 0;
	/* refill the L1 of this page size (entries copied with their tags) */
	{
		unsigned c = class_of_shift((unsigned)(e->key >> 1) & 0x3f);
		struct msim_ttag etag = { e->ep, e->pcid, e->vpid, false };
		if (l1[c].e) {
			copy_entry(&l1[c], e, &etag);
			e = msim_tarr_find(&l1[c], e->key, tag);
		}
	}
	msim_tlb_hit_out(e, la, 2, out);
	return 2;
}

int msim_tlb_lookup(msim_tlb *t, const msim_tlb_ctx *ctx, uint64_t la,
		    bool fetch, msim_tlb_hit *out)
{
	return msim_tlb_lookup_inline(t, ctx, la, fetch, out);
}

void msim_tlb_fill(msim_tlb *t, const msim_tlb_ctx *ctx, uint64_t la,
		   bool fetch, const msim_walk_result *res)
{
	struct msim_ttag tag;
	struct msim_tlbe ne;
	uint64_t ps;
	unsigned shift, c;
	struct msim_tarr *l1 = fetch ? t->l1i : t->l1d;
	unsigned gshift;

	if (res->fault.kind != MSIM_FAULT_NONE) /* SDM Vol. 3A 4.10.2-4.10.3 */
		return;
	msim_ttag_of(ctx, &tag);
	ps = res->page_size ? res->page_size : 4096;
	gshift = (unsigned)__builtin_ctzll(ps);
	/* a combined mapping is no larger than the smaller of the two pages */
	if (ctx->nested && res->nested_page_size && res->nested_page_size < ps)
		ps = res->nested_page_size;
	memset(&ne, 0, sizeof(ne));
	if (t->cfg.fracture || ps < (2ULL << 20))
		shift = 12;
	else if (ps >= (1ULL << 30))
		shift = 30;
	else
		shift = 21; /* 2 MB, or a 2 MB piece of a 4 MB page */
	if (gshift > shift)
		ne.inv_shift = (uint8_t)gshift;
	c = class_of_shift(shift);
	ne.key = msim_tkey(la, shift);
	ne.ep = tag.ep;
	ne.out = res->pa & ~((1ULL << shift) - 1);
	ne.out2 = res->gpa & ~((1ULL << shift) - 1); /* gpa, for reporting */
	ne.pcid = tag.pcid;
	ne.vpid = tag.vpid;
	ne.pat = res->pat;
	ne.rights = res->rights;
	if (res->leaf_level && res->leaf_level < MSIM_WALK_MAX_LEVELS &&
	    ctx->pge && (res->entries[res->leaf_level].value & MSIM_PTE_G))
		ne.global = 1;
	if (c == MSIM_PS_1G && t->stlb1g.e)
		copy_entry(&t->stlb1g, &ne, &tag);
	else if (c == MSIM_PS_4K || (c == MSIM_PS_2M && t->cfg.stlb_2m))
		copy_entry(&t->stlb, &ne, &tag);
	copy_entry(&l1[c], &ne, &tag);
}

/*
 * Prefetch-started entry (tlb_internal.h): a key no demand lookup builds,
 * the context's tag, never global (MOV CR3 removes it), inv_shift 21 (an
 * INVLPG / #PF of any address of its 2 MB region removes it: a superset
 * of the prefetched page whatever the guest page size up to 2 MB; with
 * 1 GB guest pages only addresses of the same 2 MB region do). out keeps
 * the region's linear base for inspection; no translation is stored.
 */
void msim_tlb_pf_fill(msim_tlb *t, const msim_tlb_ctx *ctx, uint64_t la)
{
	struct msim_ttag tag;
	struct msim_tlbe *d;
	uint64_t key, stamp;

	if (!t->stlb.e)
		return;
	msim_ttag_of(ctx, &tag);
	key = ((la >> 21) << 7) | ((uint64_t)MSIM_TKEY_PF_SHIFT << 1) | 1;
	d = msim_tarr_slot(&t->stlb, key, &tag);
	stamp = d->stamp;
	memset(d, 0, sizeof(*d));
	d->key = key;
	d->ep = tag.ep;
	d->pcid = tag.pcid;
	d->vpid = tag.vpid;
	d->flags = MSIM_TLBE_PF;
	d->inv_shift = 21;
	d->out = la & ~((1ULL << 21) - 1);
	d->stamp = stamp;
}

unsigned msim_tlb_pf_count(const msim_tlb *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < (size_t)t->stlb.sets * t->stlb.ways; i++)
		n += t->stlb.e[i].key && (t->stlb.e[i].flags & MSIM_TLBE_PF);
	return n;
}

/* ------------------------------------------------------------ invalidation */

static unsigned inval_tlb(msim_tlb *t, const struct msim_tmatch *m)
{
	unsigned n = 0;

	for (int c = 0; c < MSIM_PS_COUNT_; c++) {
		n += msim_tarr_inval(&t->l1d[c], m);
		n += msim_tarr_inval(&t->l1i[c], m);
	}
	n += msim_tarr_inval(&t->stlb, m);
	n += msim_tarr_inval(&t->stlb1g, m);
	return n;
}

static unsigned inval_psc(msim_tlb *t, const struct msim_tmatch *m)
{
	unsigned n = 0;

	for (int l = 2; l <= 5; l++)
		n += msim_tarr_inval(&t->psc[l], m);
	return n;
}

static unsigned inval_nested(msim_tlb *t, const struct msim_tmatch *m)
{
	unsigned n = msim_tarr_inval(&t->ntlb, m);

	for (int l = 2; l <= 5; l++)
		n += msim_tarr_inval(&t->npsc[l], m);
	return n;
}

static void inval_all(msim_tlb *t, msim_inv_result *r)
{
	struct msim_tmatch all = { 0, 0, 0, 0, 0 };

	r->tlb += inval_tlb(t, &all);
	r->psc += inval_psc(t, &all);
	r->nested += inval_nested(t, &all);
}

/* TLB and PSC entries of one VPID matching extra flags (SDM Vol. 3C 28.3.3.1: native
 * operations act on the current VPID, combined mappings of every EP4TA). */
static void inval_vpid(msim_tlb *t, uint16_t vpid, unsigned tlb_flags,
		       unsigned psc_flags, uint16_t pcid, uint64_t addr,
		       msim_inv_result *r)
{
	struct msim_tmatch m = { MSIM_TM_VPID | tlb_flags, vpid, pcid, 0, addr };
	struct msim_tmatch p = { MSIM_TM_VPID | psc_flags, vpid, pcid, 0, addr };

	r->tlb += inval_tlb(t, &m);
	r->psc += inval_psc(t, &p);
}

static uint64_t ep_of_eptp(uint64_t eptp)
{
	return (eptp & MSIM_GENMASK(51, 12)) | 1;
}

/* Operations that architecturally require nothing (eager mode too). */
static bool inv_is_noop(const msim_inv *op, const msim_tlb_ctx *ctx)
{
	switch (op->kind) {
	case MSIM_INV_MOV_CR3:
		return ctx->pcide && (op->a[0] >> 63);
	case MSIM_INV_MOV_CR4:
	case MSIM_INV_MOV_CR0:
	case MSIM_INV_WRMSR_EFER:
		return op->a[0] == op->a[1];
	case MSIM_INV_VMENTRY:
	case MSIM_INV_VMEXIT:
		return op->a[0] != 0;
	case MSIM_INV_TLB_CONTROL:
		return op->a[0] == 0;
	default:
		return false;
	}
}

int msim_tlb_invalidate(msim_tlb *t, const msim_tlb_ctx *ctx,
			const msim_inv *op, msim_inv_result *res)
{
	msim_inv_result r = { 0, 0, 0 };
	uint16_t vpid = ctx->vpid, pcid = ctx->pcid;
	uint64_t a0 = op->a[0], a1 = op->a[1], a2 = op->a[2];

	if ((unsigned)op->kind >= MSIM_INV_COUNT_)
		return msim_err(MSIM_EINVAL, "tlb: unknown invalidation kind %d",
				(int)op->kind);
	if ((op->kind == MSIM_INV_INVPCID || op->kind == MSIM_INV_INVVPID) &&
	    a0 > 3)
		return msim_err(MSIM_EINVAL, "tlb: %s type %llu",
				msim_inv_kind_name(op->kind),
				(unsigned long long)a0);
	if (op->kind == MSIM_INV_INVEPT && a0 != 1 && a0 != 2)
		return msim_err(MSIM_EINVAL, "tlb: invept type %llu",
				(unsigned long long)a0);
	if (op->kind == MSIM_INV_TLB_CONTROL && a0 != 0 && a0 != 1 &&
	    a0 != 3 && a0 != 7)
		return msim_err(MSIM_EINVAL, "tlb: TLB_CONTROL %llu",
				(unsigned long long)a0);
	if (inv_is_noop(op, ctx))
		goto out;
	if (t->cfg.eager) {
		inval_all(t, &r);
		goto out;
	}
	switch (op->kind) {
	case MSIM_INV_MOV_CR3:
		/* SDM Vol. 3A 4.10.4.1: non-global TLB + PSC of the new PCID (PCID 0 if PCIDE=0) */
		pcid = ctx->pcide ? (uint16_t)(a0 & 0xfff) : 0;
		inval_vpid(t, vpid, MSIM_TM_PCID | MSIM_TM_NONGLOBAL,
			   MSIM_TM_PCID, pcid, 0, &r);
		break;
	case MSIM_INV_MOV_CR4: {
		uint64_t chg = a0 ^ a1;
		if ((chg & MSIM_CR4_PGE) ||
		    ((a0 & MSIM_CR4_PCIDE) && !(a1 & MSIM_CR4_PCIDE)))
			inval_vpid(t, vpid, 0, 0, 0, 0, &r);
		else if ((chg & MSIM_CR4_PAE) ||
			 (!(a0 & MSIM_CR4_SMEP) && (a1 & MSIM_CR4_SMEP)))
			inval_vpid(t, vpid, MSIM_TM_PCID, MSIM_TM_PCID, pcid, 0,
				   &r);
		break;
	}
	case MSIM_INV_MOV_CR0:
		if ((a0 & MSIM_CR0_PG) && !(a1 & MSIM_CR0_PG))
			inval_vpid(t, vpid, 0, 0, 0, 0, &r);
		break;
	case MSIM_INV_WRMSR_EFER:
		/* not stated by the SDM; XD reserved-ness flips, so flush (SDM Vol. 3A 4.10.4.1) */
		if ((a0 ^ a1) & MSIM_EFER_NXE)
			inval_vpid(t, vpid, 0, 0, 0, 0, &r);
		break;
	case MSIM_INV_INVLPG:
		inval_vpid(t, vpid, MSIM_TM_PCID_OR_G | MSIM_TM_ADDR,
			   MSIM_TM_PCID, pcid, a0, &r);
		break;
	case MSIM_INV_INVPCID:
		switch (a0) {
		case 0:
			inval_vpid(t, vpid,
				   MSIM_TM_PCID | MSIM_TM_NONGLOBAL | MSIM_TM_ADDR,
				   MSIM_TM_PCID | MSIM_TM_ADDR, (uint16_t)a1, a2,
				   &r);
			break;
		case 1:
			inval_vpid(t, vpid, MSIM_TM_PCID | MSIM_TM_NONGLOBAL,
				   MSIM_TM_PCID, (uint16_t)a1, 0, &r);
			break;
		case 2:
			inval_vpid(t, vpid, 0, 0, 0, 0, &r);
			break;
		case 3:
			inval_vpid(t, vpid, MSIM_TM_NONGLOBAL, 0, 0, 0, &r);
			break;
		}
		break;
	case MSIM_INV_INVVPID:
		switch (a0) {
		case 0:
			inval_vpid(t, (uint16_t)a1, MSIM_TM_ADDR, MSIM_TM_ADDR,
				   0, a2, &r);
			break;
		case 1:
			inval_vpid(t, (uint16_t)a1, 0, 0, 0, 0, &r);
			break;
		case 2: { /* all VPIDs except 0 (the minimum; "may include 0") */
			struct msim_tmatch m = { MSIM_TM_VPID_NZ, 0, 0, 0, 0 };
			r.tlb += inval_tlb(t, &m);
			r.psc += inval_psc(t, &m);
			break;
		}
		case 3:
			inval_vpid(t, (uint16_t)a1, MSIM_TM_NONGLOBAL, 0, 0, 0,
				   &r);
			break;
		}
		break;
	case MSIM_INV_INVEPT: {
		/* combined + guest-physical mappings of one / every EP4TA */
		struct msim_tmatch m = { a0 == 1 ? MSIM_TM_EP : MSIM_TM_EP_ANY,
					 0, 0, ep_of_eptp(a1), 0 };
		r.tlb += inval_tlb(t, &m);
		r.psc += inval_psc(t, &m);
		r.nested += inval_nested(t, &m);
		break;
	}
	case MSIM_INV_VMENTRY:
	case MSIM_INV_VMEXIT:
		/* "enable VPID" = 0: linear + combined mappings of VPID 0 */
		inval_vpid(t, 0, 0, 0, 0, 0, &r);
		break;
	case MSIM_INV_TLB_CONTROL: {
		/* nested entries are flushed too: NPT changes are published by
		 * flushing the ASID (AMD APM Vol. 2 15.16; over-flush is allowed) */
		struct msim_tmatch any = { 0, 0, 0, 0, 0 };
		if (a0 == 1) {
			inval_all(t, &r);
			break;
		}
		inval_vpid(t, (uint16_t)a1, a0 == 7 ? MSIM_TM_NONGLOBAL : 0, 0,
			   0, 0, &r);
		r.nested += inval_nested(t, &any);
		break;
	}
	case MSIM_INV_INVLPGA:
		inval_vpid(t, (uint16_t)a1, MSIM_TM_ADDR, 0, 0, a0, &r);
		break;
	case MSIM_INV_PF:
		/* SDM Vol. 3A 4.10.4.1 #PF row; global entries of the page go too (allowed) */
		inval_vpid(t, vpid, MSIM_TM_PCID_OR_G | MSIM_TM_ADDR,
			   MSIM_TM_PCID | MSIM_TM_ADDR, pcid, a0, &r);
		break;
	case MSIM_INV_EPT_VIOLATION: {
		uint64_t ep = ctx->nested ? ((ctx->ep4ta & ~0xfffULL) | 1) : 0;
		struct msim_tmatch g = { MSIM_TM_EP | MSIM_TM_ADDR, 0, 0, ep, a0 };
		r.nested += inval_nested(t, &g);
		if (a2) {
			struct msim_tmatch c = { MSIM_TM_EP | MSIM_TM_ADDR |
						 MSIM_TM_VPID | MSIM_TM_PCID_OR_G,
						 vpid, pcid, ep, a1 };
			r.tlb += inval_tlb(t, &c);
			c.flags = MSIM_TM_EP | MSIM_TM_ADDR | MSIM_TM_VPID |
				  MSIM_TM_PCID;
			r.psc += inval_psc(t, &c);
		}
		break;
	}
	case MSIM_INV_ALL:
		inval_all(t, &r);
		break;
	default:
		break;
	}
out:
	if (res)
		*res = r;
	return 0;
}

const char *msim_inv_kind_name(msim_inv_kind kind)
{
	static const char *const names[MSIM_INV_COUNT_] = {
		"mov_cr3", "mov_cr4", "mov_cr0", "wrmsr_efer", "invlpg",
		"invpcid", "invvpid", "invept", "vmentry", "vmexit",
		"tlb_control", "invlpga", "pf", "ept_violation", "all",
	};

	if ((unsigned)kind >= MSIM_INV_COUNT_)
		return NULL;
	return names[kind];
}

unsigned msim_tlb_count(const msim_tlb *t, msim_tlb_part part)
{
	unsigned n = 0;

	switch (part) {
	case MSIM_TLBP_L1D:
	case MSIM_TLBP_L1I:
		for (int c = 0; c < MSIM_PS_COUNT_; c++)
			n += msim_tarr_count(part == MSIM_TLBP_L1D ? &t->l1d[c]
								  : &t->l1i[c]);
		break;
	case MSIM_TLBP_STLB:
		n = msim_tarr_count(&t->stlb) + msim_tarr_count(&t->stlb1g);
		break;
	case MSIM_TLBP_PSC:
		for (int l = 2; l <= 5; l++)
			n += msim_tarr_count(&t->psc[l]);
		break;
	case MSIM_TLBP_NTLB:
		n = msim_tarr_count(&t->ntlb);
		break;
	case MSIM_TLBP_NPSC:
		for (int l = 2; l <= 5; l++)
			n += msim_tarr_count(&t->npsc[l]);
		break;
	}
	return n;
}
