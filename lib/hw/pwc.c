/*
 * Paging-structure caches (SDM Vol. 3A 4.10.2-4.10.3) and the nested-dimension caches of
 * 2D walks (guest-physical TLB "NTLB" and nested PSCs, SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "hw/tlb_internal.h"

/* LA shift of the tag of a PSC holding entries of `level` (SDM Vol. 3A 4.10.2-4.10.3 table). */
static unsigned psc_shift(msim_paging_mode mode, unsigned level)
{
	if (mode == MSIM_PAGING_32)
		return 22; /* 32-bit paging: only the PDE level, LA[31:22] */
	return 12 + 9 * (level - 1);
}

/* Highest level with a PSC in `mode` (PAE: the PDPTE registers are the top
 * "cache", so only PDEs are cached). */
static unsigned psc_top(msim_paging_mode mode)
{
	switch (mode) {
	case MSIM_PAGING_5: return 5;
	case MSIM_PAGING_4: return 4;
	case MSIM_PAGING_PAE:
	case MSIM_PAGING_32: return 2;
	default: return 0;
	}
}

unsigned msim_psc_lookup(msim_tlb *t, const msim_tlb_ctx *ctx,
			 msim_paging_mode mode, uint64_t la,
			 msim_walk_start *start)
{
	struct msim_ttag tag;
	unsigned top = psc_top(mode);

	start->level = 0;
	msim_ttag_of(ctx, &tag);
	tag.pge = false; /* PSC entries are never global */
	for (unsigned l = 2; l <= top; l++) {
		struct msim_tlbe *e;
		if (!t->psc[l].e)
			continue;
		e = msim_tarr_find(&t->psc[l], msim_tkey(la, psc_shift(mode, l)),
				   &tag);
		if (!e)
			continue;
		start->level = l - 1;
		start->table = e->out;
		start->table_hpa = e->out2;
		start->table_hpa_valid = (e->flags & MSIM_TLBE_HPA) != 0;
		start->rights = e->rights;
		return l;
	}
	return 0;
}

void msim_psc_fill(msim_tlb *t, const msim_tlb_ctx *ctx, msim_paging_mode mode,
		   uint64_t la, const msim_walk_result *res)
{
	struct msim_ttag tag;
	unsigned top = psc_top(mode);
	bool ok = res->fault.kind == MSIM_FAULT_NONE;
	uint64_t amask = mode == MSIM_PAGING_32 ? 0xfffff000ULL
						: MSIM_GENMASK(51, 12);

	msim_ttag_of(ctx, &tag);
	for (unsigned l = 2; l <= top; l++) {
		const msim_walk_entry *we = &res->entries[l];
		const msim_walk_entry *below = &res->entries[l - 1];
		struct msim_tlbe *e;
		uint64_t key;

		if (!t->psc[l].e || !we->valid || (we->value & MSIM_PTE_PS))
			continue;
		if (ok ? l <= res->leaf_level : !(we->value & MSIM_PTE_A))
			continue; /* SDM Vol. 3A 4.10.2-4.10.3: leaves never, and A=1 required */
		key = msim_tkey(la, psc_shift(mode, l));
		e = msim_tarr_slot(&t->psc[l], key, &tag);
		e->key = key;
		e->ep = tag.ep;
		e->pcid = tag.pcid;
		e->vpid = tag.vpid;
		e->global = 0;
		e->flags = 0;
		e->pat = 0;
		e->inv_shift = 0;
		e->out = we->value & amask;
		e->out2 = 0;
		if (ctx->nested && below->valid &&
		    (below->gpa & ~0xfffULL) == e->out) {
			e->out2 = below->hpa & ~0xfffULL;
			e->flags |= MSIM_TLBE_HPA;
		}
		e->rights = we->acc;
	}
}

/* ------------------------------------------------------------ nested */

static unsigned nested_top(const msim_nested *n)
{
	if (n->kind == MSIM_NESTED_EPT)
		return msim_eptp_levels(n->eptp) ? msim_eptp_levels(n->eptp) : 4;
	return (n->host_cr4 & MSIM_CR4_LA57) ? 5 : 4;
}

static void ntag_of(const msim_tlb_ctx *ctx, struct msim_ttag *tag)
{
	tag->ep = (ctx->ep4ta & ~0xfffULL) | 1;
	tag->pcid = 0;
	tag->vpid = 0;
	tag->pge = false;
}

/* Fold one nested entry's permissions into acc (AND of R/W/X/XU or of
 * NPT R/W, U/S; OR of NPT XD). */
static void nested_fold(const msim_nested *n, uint64_t v, msim_rights *acc)
{
	if (n->kind == MSIM_NESTED_EPT) {
		acc->nested = 1;
		acc->ept &= (uint8_t)((v & 7) | (((v >> 10) & 1) << 3));
	} else {
		acc->nested = 2;
		acc->npt_rw &= (uint8_t)((v >> 1) & 1);
		acc->npt_us &= (uint8_t)((v >> 2) & 1);
		if (n->host_efer & MSIM_EFER_NXE)
			acc->npt_xd |= (uint8_t)(v >> 63);
	}
}

static void rights_full(msim_rights *r)
{
	memset(r, 0, sizeof(*r));
	r->ept = 0xf;
	r->npt_rw = 1;
	r->npt_us = 1;
}

static void set_entry(struct msim_tlbe *e, uint64_t key,
		      const struct msim_ttag *tag, uint64_t out,
		      const msim_rights *r)
{
	e->key = key;
	e->ep = tag->ep;
	e->pcid = 0;
	e->vpid = 0;
	e->global = 0;
	e->flags = 0;
	e->pat = 0;
	e->inv_shift = 0;
	e->out = out;
	e->out2 = 0;
	e->rights = *r;
}

/* Cache one nested walk: refs[b..e) are its dim-1 reads, translating gpa. */
static void fill_run(msim_tlb *t, const struct msim_ttag *tag,
		     const msim_nested *n, uint64_t gpa,
		     const msim_walk_ref *refs, unsigned b, unsigned e)
{
	unsigned top = nested_top(n);
	msim_rights acc;

	if (b >= e)
		return;
	rights_full(&acc);
	if (refs[b].level < top) {
		/* started below a nested-PSC hit: take the rights from it */
		unsigned l = refs[b].level + 1;
		struct msim_tlbe *pe;
		if (l > 5 || !t->npsc[l].e)
			return;
		pe = msim_tarr_find(&t->npsc[l], msim_tkey(gpa, 12 + 9 * (l - 1)),
				    tag);
		if (!pe)
			return;
		acc = pe->rights;
	}
	for (unsigned i = b; i < e; i++) {
		unsigned l = refs[i].level;
		uint64_t v = msim_gmem_read64(n->mem, refs[i].addr & ~7ULL);
		nested_fold(n, v, &acc);
		if (i + 1 < e) {
			/* non-leaf: the next reference is in the table it maps */
			if (l >= 2 && l <= 5 && t->npsc[l].e) {
				uint64_t key = msim_tkey(gpa, 12 + 9 * (l - 1));
				struct msim_tlbe *s =
					msim_tarr_slot(&t->npsc[l], key, tag);
				set_entry(s, key, tag, refs[i + 1].addr & ~0xfffULL,
					  &acc);
			}
		} else if (t->ntlb.e && l >= 1 && l <= 3) {
			unsigned shift = 12 + 9 * (l - 1);
			uint64_t key = msim_tkey(gpa, shift);
			/* nested leaf with D=0 under EPT A/D or NPT: a write must
			 * walk to set D, so the cached translation is read-only */
			if (n->kind == MSIM_NESTED_EPT && (n->eptp & MSIM_EPTP_AD) &&
			    !(v & MSIM_EPT_D))
				acc.ept &= (uint8_t)~2u;
			if (n->kind == MSIM_NESTED_NPT && !(v & MSIM_PTE_D))
				acc.npt_rw = 0;
			struct msim_tlbe *s = msim_tarr_slot(&t->ntlb, key, tag);
			set_entry(s, key, tag, v & MSIM_GENMASK(51, shift), &acc);
		}
	}
}

void msim_nested_cache_fill(msim_tlb *t, const msim_tlb_ctx *ctx,
			    const msim_nested *n, const msim_walk_result *res)
{
	struct msim_ttag tag;
	unsigned nrefs = res->nrefs < MSIM_WALK_MAX_REFS ? res->nrefs
							  : MSIM_WALK_MAX_REFS;
	bool nested_fault = res->fault.kind == MSIM_FAULT_EPT_VIOLATION ||
			    res->fault.kind == MSIM_FAULT_EPT_MISCONFIG ||
			    res->fault.kind == MSIM_FAULT_NPF;
	unsigned i = 0;

	if (!n || !n->mem || (!t->ntlb.e && !t->npsc[2].e && !t->npsc[3].e &&
			      !t->npsc[4].e && !t->npsc[5].e))
		return;
	ntag_of(ctx, &tag);
	while (i < nrefs) {
		unsigned b, e, j;
		uint64_t gpa;
		bool last;

		if (res->refs[i].dim != 1 || res->refs[i].kind != MSIM_REF_READ) {
			i++;
			continue;
		}
		b = i;
		/* a run: dim-1 references up to the next guest reference */
		for (j = i; j < nrefs && res->refs[j].dim == 1; j++)
			;
		e = b;
		while (e < j && res->refs[e].kind == MSIM_REF_READ)
			e++;
		last = true;
		for (unsigned k = j; k < nrefs; k++)
			if (res->refs[k].dim == 0 &&
			    res->refs[k].kind != MSIM_REF_AD_WRITE) {
				last = false;
				break;
			}
		if (last) {
			/* the final gpa's walk; useless if it faulted */
			if (nested_fault || res->fault.kind != MSIM_FAULT_NONE)
				break;
			gpa = res->gpa;
		} else {
			unsigned lvl = res->refs[j].level;
			if (lvl >= MSIM_WALK_MAX_LEVELS ||
			    res->refs[j].kind != MSIM_REF_READ)
				goto next;
			gpa = res->entries[lvl].gpa;
		}
		fill_run(t, &tag, n, gpa, res->refs, b, e);
next:
		i = j;
	}
}

/* ------------------------------------------------------------ hooks */

static bool ntlb_hook(void *vctx, uint64_t gpa, msim_nested_xlat *out)
{
	msim_tlb *t = vctx;
	struct msim_ttag tag;
	static const unsigned shifts[3] = { 12, 21, 30 };

	if (!t->ntlb.e)
		return false;
	t->ntlb_lookups++;
	ntag_of(t->hook_ctx, &tag);
	for (int i = 0; i < 3; i++) {
		struct msim_tlbe *e =
			msim_tarr_find(&t->ntlb, msim_tkey(gpa, shifts[i]), &tag);
		if (e) {
			out->hpa = e->out | (gpa & ((1ULL << shifts[i]) - 1));
			out->page_size = 1ULL << shifts[i];
			out->rights = e->rights;
			return true;
		}
	}
	return false;
}

static bool npsc_hook(void *vctx, uint64_t gpa, msim_walk_start *start)
{
	msim_tlb *t = vctx;
	struct msim_ttag tag;

	t->npsc_lookups++;
	ntag_of(t->hook_ctx, &tag);
	for (unsigned l = 2; l <= 5; l++) {
		struct msim_tlbe *e;
		if (!t->npsc[l].e)
			continue;
		e = msim_tarr_find(&t->npsc[l], msim_tkey(gpa, 12 + 9 * (l - 1)),
				   &tag);
		if (e) {
			memset(start, 0, sizeof(*start));
			start->level = l - 1;
			start->table = e->out;
			start->table_hpa = e->out;
			start->table_hpa_valid = true;
			start->rights = e->rights;
			return true;
		}
	}
	return false;
}

void msim_nested_cache_hooks(msim_tlb *t, const msim_tlb_ctx *ctx,
			     msim_nested *n)
{
	t->hook_ctx = ctx;
	n->hooks.ctx = t;
	n->hooks.ntlb_lookup = t->ntlb.e ? ntlb_hook : NULL;
	n->hooks.npsc_lookup = (t->npsc[2].e || t->npsc[3].e || t->npsc[4].e ||
				t->npsc[5].e)
				       ? npsc_hook
				       : NULL;
}
