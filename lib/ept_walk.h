/*
 * The EPT walk core (P7.1-P7.13) and the second-level dispatch with the
 * NTLB/nested-PSC hooks, inline: the 2D guest walk (walk.c) calls them
 * once per guest entry with a constant access type, so they are compiled
 * into it rather than called. ept.c holds the out-of-line parts.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_EPT_WALK_H
#define MSIM_EPT_WALK_H

#include "walk_internal.h"

/* EPT violation with the exit qualification of P7.12/P7.13 (ept.c). */
void msim_ept_violation(const msim_nested *n, const msim_cpu_features *cpu,
			uint64_t gpa, unsigned acc, uint64_t gla,
			const msim_rights *la_rights, unsigned perm,
			bool want_r, bool want_w, unsigned level,
			msim_walk_result *res);

/* NPT walk of `gpa` with the host paging state of c (ept.c). */
int msim_npt_walk(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		  msim_walk_result *res, struct msim_nx *out);

/*
 * P7.6: misconfiguration of a present EPT entry at `level` (the per-level
 * reserved bits come from c->mcfg, built in msim_nctx_init).
 */
static inline bool msim_ept_misconfig(const struct msim_nctx *c,
				      uint64_t e, unsigned level, bool *leaf)
{
	const unsigned ps = (unsigned)(e >> 7) & 1;

	/* PS at levels 5/4 is in mcfg there: `leaf` then never matters */
	*leaf = level == 1 || ps;
	if (((c->bad_xwr >> (e & 7)) & 1) || (e & c->mcfg[2 * level + ps]))
		return true;
	/* leaf memory types 2, 3 and 7 are reserved */
	return *leaf && ((0x8cu >> ((e >> 3) & 7)) & 1);
}

static inline MSIM_ALWAYS_INLINE int
msim_ept_walk_t(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		uint64_t gla, const msim_rights *la_rights,
		msim_walk_result *res, struct msim_nx *out)
{
	const msim_nested *n = c->n;
	const msim_cpu_features *cpu = c->cpu;
	const uint64_t amask = c->amask;
	const bool ad = c->ad;
	const bool gpt = acc & MSIM_WACC_GPT, fetch = acc & MSIM_WACC_FETCH;
	/* P7.8/P7.9/P7.13: guest-PT accesses are reads, or writes with A/D;
	 * an RMW of a guest entry (A/D update) reports both */
	const bool want_w = (acc & MSIM_WACC_WRITE) || (gpt && ad);
	const bool want_r = !fetch && (!(acc & MSIM_WACC_WRITE) || gpt);
	const bool user_la = la_rights ? la_rights->us : !!(acc & MSIM_WACC_USER);
	uint64_t ea[MSIM_WALK_MAX_LEVELS], table = c->root, e, ps;
	unsigned perm = 0xf, level = c->levels, top;
	msim_walk_start st;
	unsigned nref, sh;
	bool leaf;

	if (c->npsc && c->npsc(n->hooks.ctx, gpa, &st) && st.level &&
	    st.level <= c->levels) {
		level = st.level;
		table = st.table;
		if (st.rights.nested == 1)
			perm = st.rights.ept;
	}
	top = level;
	nref = res->nrefs;
	/* index shift of `level` (P7.3), stepped down with it */
	sh = 12 + 9 * (level - 1);
	for (;;) {
		unsigned bits;

		ea[level] = table + ((gpa >> sh) & 0x1ff) * 8;
		e = msim_gmem_read64_inl(n->mem, ea[level]);
		msim_walk_ref_put(res, nref++, ea[level], level, MSIM_REF_READ,
				  1, 8);
		/* EPT bit 10 (XU) is rights bit 3 */
		bits = (unsigned)(e & 7) | ((unsigned)(e >> 7) & 8u);
		/* P7.5/P7.7: not present -> violation, before misconfig */
		if (!(e & c->present)) {
			res->nreads += nref - res->nrefs;
			res->nrefs = nref;
			msim_ept_violation(n, cpu, gpa, acc, gla, la_rights,
				      perm & bits, want_r, want_w, level, res);
			return 1;
		}
		if (msim_ept_misconfig(c, e, level, &leaf)) {
			res->nreads += nref - res->nrefs;
			res->nrefs = nref;
			memset(&res->fault, 0, sizeof(res->fault));
			res->fault.kind = MSIM_FAULT_EPT_MISCONFIG;
			res->fault.gpa = gpa;
			res->fault.level = (uint8_t)level;
			res->fault.dim = 1;
			return 1;
		}
		perm &= bits;
		if (leaf)
			break;
		table = e & amask;
		level--;
		sh -= 9;
	}
	res->nreads += nref - res->nrefs;
	res->nrefs = nref;
	{
		/* P7.8: R/W/X; with MBEC X for supervisor LAs, XU for user LAs */
		unsigned x = n->mbec && user_la ? 8u : 4u;
		bool deny = (want_r && !(perm & 1)) || (want_w && !(perm & 2)) ||
			    (fetch && !(perm & x));

		if (deny) {
			msim_ept_violation(n, cpu, gpa, acc, gla, la_rights, perm,
				      want_r, want_w, level, res);
			return 1;
		}
	}
	/* P7.10: A in every entry used, D in the leaf for writes (incl. P7.9);
	 * only on success (Bochs; the violating case is unverified) */
	if (ad) {
		for (unsigned k = top; k >= level; k--) {
			uint64_t b = MSIM_EPT_A | (k == level && want_w ? MSIM_EPT_D : 0);
			uint64_t cur = msim_gmem_read64(n->mem, ea[k]);
			int rc;

			if ((cur & b) == b)
				continue;
			rc = msim_gmem_write(n->mem, ea[k], 8, cur | b);
			if (rc)
				return rc;
			msim_walk_ref_add(res, ea[k], k, MSIM_REF_AD_WRITE, 1, 8);
		}
	}
	ps = 1ULL << (12 + 9 * (level - 1));
	out->hpa = (e & amask & ~(ps - 1)) | (gpa & (ps - 1));
	out->page_size = ps;
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
