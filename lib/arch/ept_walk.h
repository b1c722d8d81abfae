/*
 * The EPT walk core (SDM Vol. 3C 24.6.11; SDM Vol. 3C 27.2.1, Table 27-7) and the second-level dispatch with the
 * NTLB/nested-PSC hooks, inline: the 2D guest walk (walk.c) calls them
 * once per guest entry with a constant access type, so they are compiled
 * into it rather than called. ept.c holds the out-of-line parts.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_EPT_WALK_H
#define MSIM_EPT_WALK_H

#include "arch/walk_internal.h"

/* EPT violation with the exit qualification of SDM Vol. 3C 27.2.1, Table 27-7 (ept.c). */
void msim_ept_violation(const msim_nested *n, const msim_cpu_features *cpu,
			uint64_t gpa, unsigned acc, uint64_t gla,
			const msim_rights *la_rights, unsigned perm,
			bool want_r, bool want_w, unsigned level,
			msim_walk_result *res);

/* NPT walk of `gpa` with the host paging state of c (ept.c). */
int msim_npt_walk(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		  msim_walk_result *res, struct msim_nx *out);

/*
 * SDM Vol. 3C 28.2.2, Tables 28-1..28-6: misconfiguration of a present EPT entry at `level`, given whether
 * it is a leaf. The R/W/X value is checked by the caller: every value in
 * c->bad_xwr has R=0, so an entry with R=1 skips that test.
 */
static inline MSIM_ALWAYS_INLINE bool
msim_ept_misconfig(const struct msim_nctx *c, uint64_t e, unsigned level,
		   bool leaf)
{
	uint64_t bad;

	/* bits 7:3 of PML5Es/PML4Es (PS included), 6:3 of other non-leaf
	 * entries, capability-checked large pages (mcfg_1g/2m), nothing
	 * more in a PTE */
	switch (level) {
	case 5:
	case 4:
		bad = c->rsvd_hi | MSIM_GENMASK(7, 3);
		break;
	case 3:
		bad = (e & MSIM_EPT_PS) ? c->mcfg_1g
					: c->rsvd_hi | MSIM_GENMASK(6, 3);
		break;
	case 2:
		bad = (e & MSIM_EPT_PS) ? c->mcfg_2m
					: c->rsvd_hi | MSIM_GENMASK(6, 3);
		break;
	default:
		bad = c->rsvd_hi;
		break;
	}
	if (e & bad)
		return true;
	/* leaf memory types 2, 3 and 7 are reserved */
	return leaf && ((0x8cu >> ((e >> 3) & 7)) & 1);
}

/* EPT rights bits R|W<<1|X<<2|XU<<3 of an entry (or an AND of entries):
 * EPT bit 10 (XU) is rights bit 3 */
static inline MSIM_ALWAYS_INLINE unsigned msim_ept_bits(uint64_t e)
{
	return (unsigned)(e & 7) | ((unsigned)(e >> 7) & 8u);
}

/* Walk state carried from level to level (registers once inlined). */
struct msim_ept_state {
	uint64_t table, e;
	/* rights bits AND over the entries, kept in entry form: the AND
	 * commutes with msim_ept_bits(), so it is converted once at the end */
	uint64_t perm_e;
	size_t nref; /* res->nrefs, written back once (size_t: see
		      * msim_walk_ref_put) */
	uint64_t hpa, page_size; /* the leaf's translation */
};

#define MSIM_EPT_NEXT 0     /* msim_ept_level_t: walk on */
#define MSIM_EPT_LEAF 1     /* ... a valid leaf */
#define MSIM_EPT_NOTPRES 2  /* ... not present (violation) */
#define MSIM_EPT_MISCONF 3  /* ... misconfiguration */

/*
 * One level of the EPT walk: read the entry of `level` (a compile-time
 * constant at every call, so the shift, the reserved bits and the ref record
 * fold) from s->table and check it. Faults are reported by the caller,
 * once for all levels.
 */
static inline MSIM_ALWAYS_INLINE int
msim_ept_level_t(const struct msim_nctx *c, const msim_gmem *mem,
		 struct msim_ept_state *s, uint64_t *ea_out, unsigned level,
		 uint64_t gpa, msim_walk_result *res)
{
	const uint64_t ea = s->table + ((gpa >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
	const uint64_t e = msim_gmem_read64_inl(mem, ea);
	bool leaf;

	ea_out[level] = ea;
	s->e = e;
	msim_walk_ref_put(res, s->nref++, ea, level, MSIM_REF_READ, 1, 8);
	/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6: not present -> violation, before misconfig;
	 * R=1 means present and a valid R/W/X value (see above) */
	if (msim_unlikely(!(e & MSIM_EPT_R))) {
		if (!(e & c->present))
			return MSIM_EPT_NOTPRES;
		if ((c->bad_xwr >> (e & 7)) & 1)
			return MSIM_EPT_MISCONF;
	}
	/* PS at levels 5/4 is a misconfiguration: `leaf` never matters there */
	leaf = level == 1 || (level <= 3 && (e & MSIM_EPT_PS));
	if (msim_ept_misconfig(c, e, level, leaf))
		return MSIM_EPT_MISCONF;
	s->perm_e &= e;
	if (leaf) {
		/* here the page size is a constant too */
		const uint64_t ps = 1ULL << (12 + 9 * (level - 1));

		s->page_size = ps;
		s->hpa = (e & c->amask & ~(ps - 1)) | (gpa & (ps - 1));
		return MSIM_EPT_LEAF;
	}
	s->table = e & c->amask;
	return MSIM_EPT_NEXT;
}

static inline MSIM_ALWAYS_INLINE int
msim_ept_walk_t(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		uint64_t gla, const msim_rights *la_rights,
		msim_walk_result *res, struct msim_nx *out)
{
	const msim_nested *n = c->n;
	const msim_cpu_features *cpu = c->cpu;
	const bool ad = c->ad;
	const bool gpt = acc & MSIM_WACC_GPT, fetch = acc & MSIM_WACC_FETCH;
	/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6; SDM Vol. 3C 28.2.4; SDM Vol. 3C 27.2.1, Table 27-7: guest-PT accesses are reads, or writes with A/D;
	 * an RMW of a guest entry (A/D update) reports both */
	const bool want_w = (acc & MSIM_WACC_WRITE) || (gpt && ad);
	const bool want_r = !fetch && (!(acc & MSIM_WACC_WRITE) || gpt);
	const bool user_la = la_rights ? la_rights->us : !!(acc & MSIM_WACC_USER);
	const msim_gmem *const mem = n->mem; /* loaded once, not per level */
	struct msim_ept_state s = { .table = c->root, .e = 0, .perm_e = ~0ULL,
				    .nref = res->nrefs };
	/* entry addresses for the A/D pass; only levels walked are set (a
	 * separate array: zeroing it with s would cost every walk) */
	uint64_t ea[MSIM_WALK_MAX_LEVELS];
	uint64_t e;
	unsigned perm = 0xf, level = c->levels, top;
	msim_walk_start st;
	int rc = MSIM_EPT_NEXT;

	if (c->npsc && c->npsc(n->hooks.ctx, gpa, &st) && st.level &&
	    st.level <= c->levels) {
		level = st.level;
		s.table = st.table;
		if (st.rights.nested == 1)
			perm = st.rights.ept;
	}
	top = level;
	/* one inlined step per level from the top one down (as in the guest
	 * walk): constants instead of a loop's level bookkeeping */
#define MSIM_EPT_LEVEL(L)                                                      \
	if (top >= (L) && rc == MSIM_EPT_NEXT) {                               \
		rc = msim_ept_level_t(c, mem, &s, ea, (L), gpa, res);          \
		level = (L);                                                   \
	}
	MSIM_EPT_LEVEL(5)
	MSIM_EPT_LEVEL(4)
	MSIM_EPT_LEVEL(3)
	MSIM_EPT_LEVEL(2)
	MSIM_EPT_LEVEL(1)
#undef MSIM_EPT_LEVEL
	e = s.e;
	res->nreads += (unsigned)s.nref - res->nrefs;
	res->nrefs = (unsigned)s.nref;
	if (rc == MSIM_EPT_NOTPRES) {
		msim_ept_violation(n, cpu, gpa, acc, gla, la_rights,
				   perm & msim_ept_bits(s.perm_e & e), want_r,
				   want_w, level, res);
		return 1;
	}
	if (rc == MSIM_EPT_MISCONF) {
		memset(&res->fault, 0, sizeof(res->fault));
		res->fault.kind = MSIM_FAULT_EPT_MISCONFIG;
		res->fault.gpa = gpa;
		res->fault.level = (uint8_t)level;
		res->fault.dim = 1;
		return 1;
	}
	perm &= msim_ept_bits(s.perm_e);
	{
		/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6: R/W/X; with MBEC X for supervisor LAs, XU for user LAs */
		unsigned x = n->mbec && user_la ? 8u : 4u;
		bool deny = (want_r && !(perm & 1)) || (want_w && !(perm & 2)) ||
			    (fetch && !(perm & x));

		if (deny) {
			msim_ept_violation(n, cpu, gpa, acc, gla, la_rights, perm,
				      want_r, want_w, level, res);
			return 1;
		}
	}
	/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6: A in every entry used, D in the leaf for writes (incl. SDM Vol. 3C 28.2.4);
	 * only on success (Bochs; the violating case is unverified) */
	if (ad) {
		for (unsigned k = top; k >= level; k--) {
			uint64_t b = MSIM_EPT_A | (k == level && want_w ? MSIM_EPT_D : 0);
			uint64_t cur = msim_gmem_read64(n->mem, ea[k]);
			int wrc;

			if ((cur & b) == b)
				continue;
			wrc = msim_gmem_write(n->mem, ea[k], 8, cur | b);
			if (wrc)
				return wrc;
			msim_walk_ref_add(res, ea[k], k, MSIM_REF_AD_WRITE, 1, 8);
		}
	}
	out->hpa = s.hpa;
	out->page_size = s.page_size;
	/* one aggregate store: callers read single fields right away */
	out->rights = (msim_rights){ .nested = 1,
				     .ept = (uint8_t)(n->mbec ? perm : (perm & 7)) };
	return 0;
}

static inline MSIM_ALWAYS_INLINE int
msim_nested_xlate_t(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		    uint64_t gla, const msim_rights *la_rights,
		    msim_walk_result *res, struct msim_nx *out)
{
	const msim_nested *n = c->n;

	if (c->ntlb) {
		msim_nested_xlat x;
		unsigned a = acc;

		if ((acc & MSIM_WACC_GPT) &&
		    (n->kind == MSIM_NESTED_NPT || c->ad))
			a |= MSIM_WACC_WRITE;
		if (c->ntlb(n->hooks.ctx, gpa, &x)) {
			msim_rights rr = x.rights;

			rr.us = la_rights ? la_rights->us : !!(acc & MSIM_WACC_USER);
			/* a denied hit re-walks to report the exact fault */
			if (msim_nested_rights_ok(&rr, a, n->mbec)) {
				out->hpa = x.hpa;
				out->page_size = x.page_size;
				out->rights = x.rights;
				return 0;
			}
		}
	}
	if (n->kind == MSIM_NESTED_EPT)
		return msim_ept_walk_t(c, gpa, acc, gla, la_rights, res, out);
	{
		/* through a copy: `out` itself never has its address taken,
		 * so after inlining it stays in registers (a byte-wise store
		 * read back as a word would stall on store forwarding) */
		struct msim_nx nx;
		int rc = msim_npt_walk(c, gpa, acc, res, &nx);

		if (!rc)
			*out = nx;
		return rc;
	}
}

#endif
