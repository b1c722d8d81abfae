/*
 * The architectural walker: one x86-format walk core parameterised by
 * paging mode (32-bit, PAE, 4-level, 5-level). It serves guest walks,
 * the guest dimension of 2D walks (every entry gpa goes through
 * msim_nested_xlate) and AMD NPT nested walks (same entry format, AMD APM Vol. 2 15.25).
 * Rules: SDM Vol. 3A 4.1-4.8; 2D walks SDM Vol. 3C 28.2, AMD APM Vol. 2 15.25.
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <string.h>

#include "arch/ept_walk.h"

static inline uint64_t genmask_safe(unsigned h, unsigned l)
{
	return h < l ? 0 : MSIM_GENMASK(h, l);
}

msim_paging_mode msim_paging_mode_of(const msim_paging_regs *r)
{
	return msim_xw_mode_of(r);
}

const char *msim_paging_mode_name(msim_paging_mode mode)
{
	switch (mode) {
	case MSIM_PAGING_NONE: return "none";
	case MSIM_PAGING_32: return "32bit";
	case MSIM_PAGING_PAE: return "pae";
	case MSIM_PAGING_4: return "4level";
	case MSIM_PAGING_5: return "5level";
	}
	return "?";
}

static inline bool xw_la_canonical(msim_paging_mode mode, uint64_t la)
{
	/* SDM Vol. 1 3.3.7.1: bits 63:47 (63:56 with LA57) all equal */
	unsigned bits = mode == MSIM_PAGING_5 ? 57 : 48;

	if (mode != MSIM_PAGING_4 && mode != MSIM_PAGING_5)
		return true;
	return (uint64_t)((int64_t)(la << (64 - bits)) >> (64 - bits)) == la;
}

bool msim_la_canonical(msim_paging_mode mode, uint64_t la)
{
	return xw_la_canonical(mode, la);
}

unsigned msim_walk_2d_ref_formula(unsigned n, unsigned m)
{
	return n * (m + 1) + m;
}

static inline MSIM_ALWAYS_INLINE void
xw_init_t(struct msim_xw *w, const msim_cpu_features *cpu,
	  const msim_paging_regs *regs, msim_gmem *mem, uint8_t dim,
	  msim_paging_mode mode)
{
	unsigned m = cpu->maxphyaddr;
	/* bits 63:M: every caller (msim_walk, msim_nested_walk, through
	 * msim_nctx_init) has checked M in 32..52, so one shift, no branch */
	const uint64_t above_m = ~0ULL << m;
	uint64_t hi;

	/* every field assigned: no memset on the per-walk path */
	w->pdpte_on_demand = false;
	w->nested = NULL;
	w->nctx = NULL;
	w->ad_policy = MSIM_AD_ON_SUCCESS;
	w->ad_order = MSIM_AD_AFTER_FINAL;
	w->no_ad = false;
	w->reference = false;
	w->start = NULL;
	w->mode = mode;
	w->addr_mask = ~above_m & ~0xfffULL; /* M-1:12 */
	w->nxe = !!(regs->efer & MSIM_EFER_NXE);
	/* 4/5-level paging implies LMA (SDM Vol. 3A 4.1.1); said so, the long-mode
	 * instances, dispatched on the mode, fold every LMA test */
	w->lma = mode == MSIM_PAGING_4 || mode == MSIM_PAGING_5 ||
		 (regs->efer & MSIM_EFER_LMA);
	w->pse = !!(regs->cr4 & MSIM_CR4_PSE);
	w->amd = cpu->vendor == MSIM_VENDOR_AMD;
	w->gbpages = cpu->gbpages;
	/* SDM Vol. 3A 4.5, Tables 4-15..4-20: 51:M reserved in long mode; SDM Vol. 3A 4.4.2: 62:M in PAE paging */
	hi = (w->lma ? MSIM_GENMASK(51, 0) : MSIM_GENMASK(62, 0)) & above_m;
	if (!w->nxe)
		hi |= MSIM_PTE_XD; /* SDM Vol. 3A 4.5, Table 4-20 */
	w->rsvd_hi = hi;
	/* SDM Vol. 3A 4.5, Tables 4-15..4-20(c) PS reserved in PML5E/PML4E; AMD APM Vol. 2 5.3 AMD bit 8 there too */
	w->rsvd_top = hi | MSIM_PTE_PS | (w->amd ? MSIM_PTE_G : 0);
	/* SDM Vol. 3A 4.5, Tables 4-15..4-20: PS=1 in a PDPTE without gbpages is itself reserved; SDM Vol. 3A 4.5, Tables 4-15..4-20 */
	w->rsvd_1g = w->gbpages ? hi | MSIM_GENMASK(29, 13) : hi | MSIM_PTE_PS;
	/* SDM Vol. 3A 4.3, Tables 4-4..4-6: M' = min(M, 40); without PSE-36 only PA[31:22] */
	w->m32 = 0;
	w->pde4m_rsvd = 0;
	if (mode == MSIM_PAGING_32) {
		w->m32 = cpu->pse36 ? (m < 40 ? m : 40) : 32;
		w->pde4m_rsvd = genmask_safe(21, w->m32 - 19);
	}
	switch (w->mode) {
	case MSIM_PAGING_32: w->root = regs->cr3 & 0xfffff000ULL; break;
	case MSIM_PAGING_PAE: w->root = regs->cr3 & 0xffffffe0ULL; break;
	default: w->root = regs->cr3 & w->addr_mask; break;
	}
	w->regs = regs;
	w->mem = mem;
	w->cpu = cpu;
	w->dim = dim;
}

void msim_xw_init(struct msim_xw *w, const msim_cpu_features *cpu,
		  const msim_paging_regs *regs, msim_gmem *mem, uint8_t dim)
{
	xw_init_t(w, cpu, regs, mem, dim, msim_xw_mode_of(regs));
}

/* #PF for a not-present (rsvd=0) or reserved-bit (rsvd=1) entry (SDM Vol. 3A 4.7).
 * Takes no msim_xw: the walk's own copy must not escape (see xw_walk_t). */
static void xw_entry_fault(const msim_paging_regs *r, uint8_t dim,
			   msim_walk_result *res, uint64_t la, unsigned acc,
			   bool rsvd, unsigned level)
{
	uint32_t ec = rsvd ? (MSIM_PFEC_P | MSIM_PFEC_RSVD) : 0;

	if (acc & MSIM_WACC_WRITE)
		ec |= MSIM_PFEC_W;
	if ((acc & MSIM_WACC_USER) && !(acc & MSIM_WACC_IMPLICIT))
		ec |= MSIM_PFEC_U;
	if (acc & MSIM_WACC_SHSTK)
		ec |= MSIM_PFEC_SS;
	/* SDM Vol. 3A 4.7: I/D only with SMEP or PAE+NXE */
	if ((acc & MSIM_WACC_FETCH) &&
	    ((r->cr4 & MSIM_CR4_SMEP) ||
	     ((r->cr4 & MSIM_CR4_PAE) && (r->efer & MSIM_EFER_NXE))))
		ec |= MSIM_PFEC_ID;
	memset(&res->fault, 0, sizeof(res->fault));
	res->fault.kind = MSIM_FAULT_PF;
	res->fault.pf_ec = ec;
	res->fault.cr2 = la;
	res->fault.level = (uint8_t)level;
	res->fault.dim = dim;
}

/* Index shift of `level` in `mode` (SDM Vol. 3A 4.3-4.5). */
static inline unsigned xw_shift(bool m32, unsigned level)
{
	if (m32)
		return level == 2 ? 22 : 12;
	return 12 + 9 * (level - 1);
}

/*
 * Reserved bits of a present entry (SDM Vol. 3A 4.5, Tables 4-15..4-20; SDM Vol. 3A 4.3, Tables 4-4..4-6) and whether it is a leaf.
 * PAE PDPTEs are handled by the caller.
 */
static inline uint64_t xw_rsvd(const struct msim_xw *w, bool m32,
			       unsigned level, uint64_t e, bool *leaf)
{
	*leaf = false;
	if (m32) {
		/* SDM Vol. 3A 4.3, Tables 4-4..4-6: only a 4-MB PDE has reserved bits */
		if (level == 1) {
			*leaf = true;
			return 0;
		}
		if (w->pse && (e & MSIM_PTE_PS)) {
			*leaf = true;
			return w->pde4m_rsvd;
		}
		return 0;
	}
	/* PS at levels 5/4 is reserved (in rsvd_top): leaf never matters */
	*leaf = level == 1 || (e & MSIM_PTE_PS);
	switch (level) {
	case 5:
	case 4:
		return w->rsvd_top;
	case 3:
		return (e & MSIM_PTE_PS) ? w->rsvd_1g : w->rsvd_hi;
	case 2: /* SDM Vol. 3A 4.5, Tables 4-15..4-20: a 2-MB page's frame bits 20:13 */
		return (e & MSIM_PTE_PS) ? w->rsvd_hi | MSIM_GENMASK(20, 13)
					 : w->rsvd_hi;
	default: /* level 1: bit 7 is PAT */
		return w->rsvd_hi;
	}
}

static inline uint64_t xw_read(msim_gmem *mem, uint64_t a, unsigned esz)
{
	return esz == 8 ? msim_gmem_read64_inl(mem, a) : msim_gmem_read32(mem, a);
}

/*
 * Locked RMW setting `bits` in the entry at `a` (SDM Vol. 3A 4.8): re-read so a
 * concurrent change (or a self-referencing table, SDM Vol. 3A 4.10.2-4.10.3) is not lost.
 * Returns 1 if it wrote, 0 if the bits were set already, <0 on error.
 */
static int xw_set_bits(msim_gmem *mem, uint64_t a, unsigned esz,
		       uint64_t bits)
{
	uint64_t cur = xw_read(mem, a, esz);
	int rc;

	if ((cur & bits) == bits)
		return 0;
	rc = msim_gmem_write(mem, a, esz, cur | bits);
	return rc < 0 ? rc : 1;
}

/* Instances of the walk core, each fixed at compile time (xw_run_t). */
enum xw_variant {
	XW_ANY,       /* every paging mode, optional second level */
	XW_LM,        /* 4/5-level paging, no second level, A/D on success */
	XW_LM_NESTED, /* 4/5-level guest of a 2D walk: nested walks inlined */
};

/* Per-level bookkeeping of one walk (stack only). */
struct xw_lvl {
	uint64_t ea;    /* entry address in the walk's address space */
	uint64_t hpa;   /* 2D: hpa of the entry */
	uint64_t val;
	uint8_t n_kind; /* 2D: nested rights of the entry's page ... */
	uint8_t n_ept;  /* ... (msim_rights.nested / .ept) */
	bool used;      /* memory entry (not a PAE PDPTE register) */
};

/*
 * A long-mode guest walk without a second level records each entry's
 * address and value in res->entries anyway, so it keeps no xw_lvl copy
 * (two stores per level fewer); the A/D pass rebuilds one from there.
 */
static inline bool xw_lv_in_res(const struct msim_xw *w, enum xw_variant v)
{
	return v == XW_LM && w->dim == 0;
}

static inline struct xw_lvl xw_lvl_get(const struct xw_lvl *lv,
				       const msim_walk_result *res,
				       unsigned level, bool in_res)
{
	if (in_res)
		return (struct xw_lvl){ .ea = res->entries[level].gpa,
					.hpa = res->entries[level].gpa,
					.val = res->entries[level].value,
					.used = true };
	return lv[level];
}

/* Set A (and D on the leaf) in one entry, checking nested write rights
 * for guest entries of a 2D walk. Returns 0, 1 (nested fault) or <0.
 * Scalars only, so neither the walk's msim_xw nor its per-level array
 * escapes (escaped, every byte store into res would force reloads). */
struct xw_ad {
	msim_gmem *mem;
	const msim_nested *nested;
	const struct msim_nctx *nctx;
	unsigned esz;
	uint8_t dim;
};

static int xw_update_ad(const struct xw_ad *c, struct xw_lvl l,
			unsigned level, uint64_t bits, uint64_t la,
			const msim_rights *la_rights, msim_walk_result *res)
{
	msim_gmem *mem = c->mem;
	uint64_t a = l.ea;
	int rc;

	if (c->nested && c->nested->guest_by_hpa) {
		mem = c->nested->mem;
		a = l.hpa;
	}
	/* flags already set in the entry as read: no locked RMW (SDM Vol. 3A 4.8) */
	if ((l.val & bits) == bits)
		return 0;
	if (c->nested) {
		/* guest A/D updates are nested writes (SDM Vol. 3C 28.2.2, Tables 28-1..28-6; SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5) */
		msim_rights nr = { 0 };

		nr.nested = l.n_kind;
		nr.ept = l.n_ept;
		rc = msim_nested_ad_check(c->nctx, l.ea, la, &nr, la_rights,
					  res);
		if (rc)
			return rc;
	}
	rc = xw_set_bits(mem, a, c->esz, bits);
	if (rc > 0)
		msim_walk_ref_add(res, l.hpa, level, MSIM_REF_AD_WRITE, c->dim,
				  c->esz);
	return rc < 0 ? rc : 0;
}

/* A/D update of entry `l` of walk `w` (cold path: copies, no escape --
 * inlined, so only the scalars reach xw_update_ad, never &w). */
static inline MSIM_ALWAYS_INLINE int
xw_update_ad_of(const struct msim_xw *w, struct xw_lvl l, unsigned level,
		uint64_t bits, uint64_t la, const msim_rights *la_rights,
		msim_walk_result *res)
{
	const struct xw_ad c = { w->mem, w->nested, w->nctx,
				 w->mode == MSIM_PAGING_32 ? 4u : 8u, w->dim };

	return xw_update_ad(&c, l, level, bits, la, la_rights, res);
}

static inline MSIM_ALWAYS_INLINE int
xw_final_nested(const struct msim_nctx *nctx, uint64_t gpa, uint64_t la,
		unsigned acc, msim_walk_result *res, struct msim_xw_out *out,
		const enum xw_variant v)
{
	struct msim_nx nx;
	const unsigned a = acc & ~(unsigned)MSIM_WACC_GPT;
	int rc = v == XW_LM_NESTED
		? msim_nested_xlate_t(nctx, gpa, a, la, out->rights, res, &nx)
		: msim_nested_xlate(nctx, gpa, a, la, out->rights, res, &nx);

	if (rc)
		return rc;
	out->pa = nx.hpa;
	out->nested_page_size = nx.page_size;
	out->rights->nested = nx.rights.nested;
	out->rights->ept = nx.rights.ept;
	out->rights->npt_rw = nx.rights.npt_rw;
	out->rights->npt_us = nx.rights.npt_us;
	out->rights->npt_xd = nx.rights.npt_xd;
	return 0;
}

/*
 * Record entries[level].acc and .valid = true for a valid level from the
 * guest rights so far, index i = R/W | U/S << 1 | XD << 2: 12 bytes in
 * two stores, computed rather than copied from a table. Bytes 0-7 (rw,
 * us, xd, then pk .. ept = 0): the multiply places copies of i at bit
 * offsets 0, 7 and 14 -- they do not overlap, so nothing carries -- and
 * the mask keeps bit 0 of the first (R/W), bit 1 of the second (U/S, now
 * bit 8) and bit 2 of the third (XD, bit 16). Bytes 8-11 (npt_rw, npt_us,
 * npt_xd = 0, valid = 1) are a constant. Little-endian hosts, as gmem.
 */
_Static_assert(offsetof(msim_rights, rw) == 0 &&
		       offsetof(msim_rights, us) == 1 &&
		       offsetof(msim_rights, xd) == 2 &&
		       sizeof(msim_rights) == 11 && sizeof(bool) == 1,
	       "xw_acc_put: msim_rights layout");
_Static_assert(offsetof(msim_walk_entry, valid) ==
		       offsetof(msim_walk_entry, acc) + sizeof(msim_rights),
	       "xw_acc_put: msim_walk_entry.valid must follow acc");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "xw_acc_put (and gmem) assume a little-endian host"
#endif
static inline MSIM_ALWAYS_INLINE void xw_acc_put(msim_walk_entry *en,
						 unsigned i)
{
	const uint64_t lo = ((uint64_t)i * 0x4081) & 0x010101;
	const uint32_t hi = (uint32_t)1 << 24;
	unsigned char *d = (unsigned char *)&en->acc;

	memcpy(d, &lo, sizeof(lo));
	memcpy(d + sizeof(lo), &hi, sizeof(hi));
}

/* Scalar state of one walk, carried from level to level (registers once
 * xw_level_t is inlined: its address never escapes). */
struct xw_state {
	uint64_t table, e;
	/* rights accumulate in scalars (AND of R/W, U/S bits, OR of XD):
	 * byte-struct updates in the loop stall on store forwarding */
	uint64_t acc_and, acc_xd;
	/* R/W for SDM Vol. 3A 4.6.2; A tells the A/D pass whether any non-leaf needs it */
	uint64_t nonleaf_and;
	uint64_t table_hpa;
	msim_rights table_nr;
	bool table_hpa_valid;
	/* XW_LM: res->nrefs kept here while walking (a register, where a
	 * counter in *res would be reloaded after every store into it);
	 * xw_refs_sync() writes it back */
	size_t nref; /* size_t: indexes refs[] without a zero-extension */
};

/* Write back the reads counted in s->nref (XW_LM; every ref is a read). */
static inline void xw_refs_sync(msim_walk_result *res, const struct xw_state *s)
{
	res->nreads += (unsigned)s->nref - res->nrefs;
	res->nrefs = (unsigned)s->nref;
}

#define XW_NEXT 0 /* xw_level_t: entry valid, walk on */
#define XW_LEAF 2 /* xw_level_t: entry valid and a leaf */

/*
 * One level of the walk: read the entry of `level` in s->table, check it,
 * fold its rights. Returns XW_NEXT, XW_LEAF, 1 (fault, res->fault filled)
 * or a negative MSIM_E*.
 */
static inline MSIM_ALWAYS_INLINE int
xw_level_t(const struct msim_xw *w, struct xw_state *s, struct xw_lvl *lv,
	   unsigned level, uint64_t la, unsigned acc, msim_walk_result *res,
	   const enum xw_variant v)
{
	const bool lm_plain = v == XW_LM;
	const bool m32 = v == XW_ANY && w->mode == MSIM_PAGING_32;
	const bool is_pae = v == XW_ANY && w->mode == MSIM_PAGING_PAE;
	const msim_nested *const nested = lm_plain ? NULL : w->nested;
	const unsigned esz = m32 ? 4 : 8;
	struct xw_lvl cur, *l = xw_lv_in_res(w, v) ? &cur : &lv[level];
	uint64_t idx, rsvd, e;
	bool leaf;
	int rc;

	if (is_pae && level == 3)
		idx = (la >> 30) & 3;
	else
		idx = (la >> xw_shift(m32, level)) & (m32 ? 0x3ff : 0x1ff);
	l->ea = s->table + idx * esz;
	if (!lm_plain) { /* lm_plain: always a memory entry, hpa = ea */
		l->hpa = l->ea;
		l->used = true;
	}

	if (is_pae && level == 3 &&
	    !w->pdpte_on_demand) {
		/* SDM Vol. 3A 4.4.1: PDPTE registers, no memory reference */
		e = w->regs->pdpte[idx];
		l->used = false;
	} else {
		msim_gmem *mem = w->mem;
		uint64_t a = l->ea;

		if (nested) {
			if (s->table_hpa_valid) {
				l->hpa = s->table_hpa + idx * esz;
				l->n_kind = s->table_nr.nested;
				l->n_ept = s->table_nr.ept;
				s->table_hpa_valid = false;
			} else {
				struct msim_nx nx;

				rc = v == XW_LM_NESTED
					? msim_nested_xlate_t(w->nctx, l->ea,
							      MSIM_WACC_GPT, la,
							      NULL, res, &nx)
					: msim_nested_xlate(w->nctx, l->ea,
							    MSIM_WACC_GPT, la,
							    NULL, res, &nx);
				if (rc)
					return rc;
				l->hpa = nx.hpa;
				l->n_kind = nx.rights.nested;
				l->n_ept = nx.rights.ept;
			}
			if (nested->guest_by_hpa) {
				mem = nested->mem;
				a = l->hpa;
			}
		}
		e = xw_read(mem, a, esz);
		if (lm_plain)
			msim_walk_ref_put(res, s->nref++, l->ea, level,
					  MSIM_REF_READ, w->dim, esz);
		else
			msim_walk_ref_add(res, l->hpa, level,
					  (is_pae && level == 3)
						  ? MSIM_REF_PDPTE : MSIM_REF_READ,
					  w->dim, esz);
	}
	l->val = e;
	s->e = e;
	if (w->dim == 0) {
		res->entries[level].gpa = l->ea;
		res->entries[level].hpa = lm_plain ? l->ea : l->hpa;
		res->entries[level].value = e;
	}
	if (!(e & MSIM_PTE_P)) {
		xw_entry_fault(w->regs, w->dim, res, la, acc, false, level);
		return 1;
	}
	if (is_pae && level == 3) {
		/* SDM Vol. 3A 4.4.1: on-demand PDPTEs get a RSVD #PF, not #GP */
		if (e & msim_pae_pdpte_rsvd(w->cpu->maxphyaddr)) {
			xw_entry_fault(w->regs, w->dim, res, la, acc, true, level);
			return 1;
		}
		/* SDM Vol. 3A 4.6.1: a PAE PDPTE contributes no rights */
		leaf = false;
	} else {
		rsvd = xw_rsvd(w, m32, level, e, &leaf);
		if (e & rsvd) {
			xw_entry_fault(w->regs, w->dim, res, la, acc, true, level);
			return 1;
		}
		s->acc_and &= e;
		/* without NXE bit 63 is reserved (SDM Vol. 3A 4.5, Table 4-20): a valid entry
		 * has it clear, so the OR needs no NXE test */
		s->acc_xd |= e;
	}
	if (w->dim == 0)
		xw_acc_put(&res->entries[level],
			   (unsigned)(((s->acc_and >> 1) & 3) |
				      ((s->acc_xd >> 61) & 4)));
	if (leaf)
		return XW_LEAF;
	if (lm_plain || l->used) {
		s->nonleaf_and &= e;
		/* SDM Vol. 3A 4.8 knob: QEMU-style A as you go (never in XW_LM) */
		if (!lm_plain && !(e & MSIM_PTE_A) &&
		    w->ad_policy == MSIM_AD_AS_YOU_GO && !w->no_ad) {
			rc = xw_update_ad_of(w, *l, level, MSIM_PTE_A,
					     la, NULL, res);
			if (rc)
				return rc;
		}
	}
	s->table = m32 ? (e & 0xfffff000ULL) : (e & w->addr_mask);
	return XW_NEXT;
}

/*
 * The walk. The variant `v` is a compile-time constant in each caller, so
 * the compiler drops the PAE and 32-bit branches from the long-mode
 * instances and the 2D ones from XW_LM -- one source, no per-mode copies.
 */
static inline MSIM_ALWAYS_INLINE int
xw_run_t(const struct msim_xw *w, uint64_t la, unsigned acc,
	 msim_walk_result *res, struct msim_xw_out *out,
	 const enum xw_variant v)
{
	const bool lm_plain = v == XW_LM;
	const bool m32 = v == XW_ANY && w->mode == MSIM_PAGING_32;
	const msim_nested *const nested = lm_plain ? NULL : w->nested;
	const unsigned top = m32 ? 2 : (unsigned)w->mode;
	struct xw_lvl lv[MSIM_WALK_MAX_LEVELS];
	msim_rights *r = out->rights;
	struct xw_state s = {
		.table = w->root, .e = 0,
		.acc_and = MSIM_PTE_RW | MSIM_PTE_US, .acc_xd = 0,
		.nonleaf_and = MSIM_PTE_RW | MSIM_PTE_A,
		.table_hpa = 0, .table_nr = { 0 }, .table_hpa_valid = false,
		.nref = res->nrefs };
	unsigned level = top, start;
	uint64_t e, pa, ps;
	const msim_walk_start *st = w->reference ? NULL : w->start;
	int rc;

	if (st && st->level && st->level <= top) {
		/* SDM Vol. 3A 4.10.2-4.10.3: skip the cached levels, fold their rights */
		level = st->level;
		s.table = st->table;
		s.acc_and = (st->rights.rw ? MSIM_PTE_RW : 0) |
			    (st->rights.us ? MSIM_PTE_US : 0);
		s.acc_xd = st->rights.xd ? MSIM_PTE_XD : 0;
		s.nonleaf_and = s.acc_and | MSIM_PTE_A;
		if (nested && st->table_hpa_valid) {
			s.table_hpa_valid = true;
			s.table_hpa = st->table_hpa;
			s.table_nr = st->rights;
		}
	}
	start = level;
	if (v == XW_ANY) {
		for (;; level--) {
			rc = xw_level_t(w, &s, lv, level, la, acc, res, v);
			if (rc == XW_LEAF)
				break;
			if (rc)
				return rc;
		}
	} else {
		/* long mode: one inlined step per level, so shifts, masks
		 * and result offsets are constants; levels above the start
		 * point are skipped */
#define XW_LEVEL(L)                                                            \
		if (start >= (L)) {                                            \
			rc = xw_level_t(w, &s, lv, (L), la, acc, res, v);      \
			if (lm_plain && rc != XW_NEXT)                         \
				xw_refs_sync(res, &s);                         \
			if (rc == XW_LEAF) {                                   \
				level = (L);                                   \
				goto walked;                                   \
			}                                                      \
			if (rc)                                                \
				return rc;                                     \
		}
		XW_LEVEL(5)
		XW_LEVEL(4)
		XW_LEVEL(3)
		XW_LEVEL(2)
		XW_LEVEL(1)
#undef XW_LEVEL
		return MSIM_EINVAL; /* not reached: a PTE is always a leaf */
	}
walked:
	e = s.e;

	/* leaf at `level`: page size, frame, PAT (SDM Vol. 3A 4.3-4.5; SDM Vol. 3A 4.3, Tables 4-4..4-6; SDM Vol. 3A 11.12.3) */
	if (m32) {
		if (level == 2) {
			uint64_t hi = (e >> 13) & ((1ULL << (w->m32 - 32)) - 1);
			ps = 4ULL << 20;
			pa = (e & 0xffc00000ULL) | (hi << 32);
		} else {
			ps = 4096;
			pa = e & 0xfffff000ULL;
		}
	} else {
		ps = 1ULL << xw_shift(false, level);
		pa = e & w->addr_mask & ~(ps - 1);
	}
	pa |= la & (ps - 1);
	/* PAT index = PAT:PCD:PWT; PAT is bit 7 of a PTE, bit 12 above */
	out->pat = (unsigned)(((e >> 3) & 3) |
			      (((e >> (level == 1 ? 7 : 12)) & 1) << 2));
	memset(r, 0, sizeof(*r));
	r->rw = (uint8_t)((s.acc_and >> 1) & 1);
	r->us = (uint8_t)((s.acc_and >> 2) & 1);
	r->xd = (uint8_t)(s.acc_xd >> 63);
	if (w->lma && (w->regs->cr4 & (MSIM_CR4_PKE | MSIM_CR4_PKS)))
		r->pk = (uint8_t)((e >> 59) & 0xf);
	r->dirty = (uint8_t)((e >> 6) & 1);
	/* SDM Vol. 3A 4.6.2: shadow-stack page = leaf R/W=0, D=1, non-leaf R/W=1 */
	r->shstk = (uint8_t)(!(e & MSIM_PTE_RW) && (e & MSIM_PTE_D) &&
			     (s.nonleaf_and & MSIM_PTE_RW));
	out->gpa = pa;
	out->pa = pa;
	out->page_size = ps;
	out->nested_page_size = 0;
	out->leaf_level = (uint8_t)level;
	out->start_level = (uint8_t)start;
	out->leaf_addr = xw_lvl_get(lv, res, level, xw_lv_in_res(w, v)).ea;

	/* SDM Vol. 3A 4.5 step 3: rights only after a complete valid walk */
	{
		uint32_t ec = msim_rights_eval(r, w->regs, acc);

		if (ec) {
			memset(&res->fault, 0, sizeof(res->fault));
			res->fault.kind = MSIM_FAULT_PF;
			res->fault.pf_ec = ec;
			res->fault.cr2 = la;
			res->fault.dim = w->dim;
			return 1;
		}
	}

	/* SDM Vol. 3C 28.2.1; AMD APM Vol. 2 15.25.5 (4): final gpa through the second level, before or after A/D */
	if (nested && w->ad_order == MSIM_AD_AFTER_FINAL) {
		rc = xw_final_nested(w->nctx, pa, la, acc, res, out, v);
		if (rc)
			return rc;
	}
	/* SDM Vol. 3A 4.8: A in every entry used, D in the leaf for writes;
	 * the usual case, all flags already set, costs no per-level pass */
	if (!w->no_ad &&
	    (!(s.nonleaf_and & MSIM_PTE_A) ||
	     (e & (MSIM_PTE_A | ((acc & MSIM_WACC_WRITE) ? MSIM_PTE_D : 0))) !=
		     (MSIM_PTE_A | ((acc & MSIM_WACC_WRITE) ? MSIM_PTE_D : 0)))) {
		for (unsigned k = start; k >= level; k--) {
			struct xw_lvl lk = xw_lvl_get(lv, res, k,
						      xw_lv_in_res(w, v));
			uint64_t bits = MSIM_PTE_A;

			if (lm_plain) {
				lk.hpa = lk.ea;
			} else if (!lk.used) {
				continue; /* SDM Vol. 3A 4.8: PAE PDPTEs have no A flag */
			}
			if (k == level && (acc & MSIM_WACC_WRITE))
				bits |= MSIM_PTE_D;
			if ((lk.val & bits) == bits)
				continue; /* already set: no locked RMW */
			rc = xw_update_ad_of(w, lk, k, bits, la, r, res);
			if (rc)
				return rc;
		}
	}
	if (!w->no_ad && (acc & MSIM_WACC_WRITE))
		r->dirty = 1;
	if (nested && w->ad_order == MSIM_AD_BEFORE_FINAL) {
		rc = xw_final_nested(w->nctx, pa, la, acc, res, out, v);
		if (rc)
			return rc;
	}
	return 0;
}

int msim_xw_run(const struct msim_xw *w, uint64_t la, unsigned acc,
		msim_walk_result *res, struct msim_xw_out *out)
{
	/* msim_walk runs long-mode 2D walks itself (XW_LM_NESTED) */
	if ((w->mode == MSIM_PAGING_4 || w->mode == MSIM_PAGING_5) &&
	    !w->nested && w->ad_policy != MSIM_AD_AS_YOU_GO)
		return xw_run_t(w, la, acc, res, out, XW_LM);
	return xw_run_t(w, la, acc, res, out, XW_ANY);
}

/*
 * One walk from the API's point of view: result reset, configuration, SDM Vol. 3A 4.1.1
 * truncation / SDM Vol. 1 3.3.7.1 canonical check, the walk, copy-out. `v` as in
 * xw_run_t; the long-mode instances run the walk inline, so their msim_xw
 * never escapes and only the fields such a walk reads are computed.
 */
static inline MSIM_ALWAYS_INLINE int
xw_walk_t(msim_gmem *mem, const msim_cpu_features *cpu,
	  const msim_paging_regs *regs, const msim_walk_opts *opts,
	  uint64_t la, unsigned access, msim_walk_result *res,
	  msim_paging_mode mode, const enum xw_variant v)
{
	const bool lm_plain = v == XW_LM;
	struct msim_xw w;
	struct msim_xw_out out;
	struct msim_nctx nc;
	int rc;

	msim_walk_result_reset(res);
	xw_init_t(&w, cpu, regs, mem, 0, mode);
	out.rights = &res->rights;
	res->mode = w.mode;
	w.nested = lm_plain ? NULL : opts->nested;
	w.ad_policy = opts->ad_policy;
	w.ad_order = opts->ad_order;
	w.no_ad = opts->no_ad;
	w.reference = opts->reference;
	w.start = opts->start;
	w.pdpte_on_demand = w.nested && w.nested->kind == MSIM_NESTED_NPT;
	if (w.nested) {
		rc = msim_nctx_init(&nc, w.nested, cpu, opts->reference);
		if (rc)
			return rc;
		w.nctx = &nc;
	}

	/* SDM Vol. 3A 4.1.1: outside long mode linear addresses are 32 bits */
	if (!w.lma)
		la &= 0xffffffffULL;
	else if (!xw_la_canonical(w.mode, la)) {
		/* SDM Vol. 1 3.3.7.1: #GP before any reference, CR2 untouched */
		res->fault.kind = MSIM_FAULT_GP;
		return 0;
	}
	if (v == XW_ANY && w.mode == MSIM_PAGING_NONE) {
		/* SDM Vol. 3A 4.1.1: LA = (guest-)physical address, full rights */
		out.rights->rw = out.rights->us = 1;
		out.pat = out.leaf_level = out.start_level = 0;
		out.leaf_addr = out.nested_page_size = 0;
		out.gpa = out.pa = la;
		out.page_size = 4096;
		if (w.nested) {
			rc = xw_final_nested(w.nctx, la, la, access, res, &out,
					     v);
			if (rc)
				return rc < 0 ? rc : 0;
		}
	} else {
		if (v == XW_ANY)
			rc = msim_xw_run(&w, la, access, res, &out);
		else
			rc = xw_run_t(&w, la, access, res, &out, v);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	res->pa = out.pa;
	res->gpa = out.gpa;
	res->page_size = out.page_size;
	res->nested_page_size = out.nested_page_size;
	res->leaf_level = (uint8_t)out.leaf_level;
	res->start_level = (uint8_t)out.start_level;
	res->pat = (uint8_t)out.pat;
	res->leaf_gpa = out.leaf_addr;
	return 0;
}

int msim_walk(msim_gmem *mem, const msim_cpu_features *cpu,
	      const msim_paging_regs *regs, const msim_walk_opts *opts,
	      uint64_t la, unsigned access, msim_walk_result *res)
{
	static const msim_walk_opts defopts = MSIM_WALK_OPTS_INIT;
	msim_paging_mode mode;

	if (msim_unlikely(!mem || !cpu || !regs || !res))
		return msim_err(MSIM_EINVAL, "msim_walk: NULL argument");
	if (msim_unlikely(cpu->maxphyaddr < 32 || cpu->maxphyaddr > 52))
		return msim_err(MSIM_EINVAL, "msim_walk: maxphyaddr %u not in 32..52",
				cpu->maxphyaddr);
	if (!opts)
		opts = &defopts;
	if (opts->nested && !opts->nested->mem)
		return msim_err(MSIM_EINVAL, "msim_walk: nested config without host memory");
	mode = msim_xw_mode_of(regs);
	if (mode == MSIM_PAGING_4 || mode == MSIM_PAGING_5) {
		if (opts->nested)
			return xw_walk_t(mem, cpu, regs, opts, la, access, res,
					 mode, XW_LM_NESTED);
		/* the A-as-you-go knob takes the generic instance, so
		 * XW_LM's levels carry no check for it */
		if (opts->ad_policy != MSIM_AD_AS_YOU_GO)
			return xw_walk_t(mem, cpu, regs, opts, la, access, res,
					 mode, XW_LM);
	}
	return xw_walk_t(mem, cpu, regs, opts, la, access, res, mode, XW_ANY);
}

/* ------------------------------------------------------------ nested
 * An NPT walk is this walker run on the host's tables in host mode
 * (AMD APM Vol. 2 15.25.5), so the nested context, the NPT walk and the
 * 2D entry points live here rather than in ept.c: one file calls the
 * other, never back. */

int msim_npt_walk(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		  msim_walk_result *res, struct msim_nx *out)
{
	const msim_nested *n = c->n;
	const struct msim_xw *w = &c->hw;
	struct msim_xw ws;
	struct msim_xw_out xo;
	msim_rights xr;
	msim_walk_start st;
	const bool gpt = acc & MSIM_WACC_GPT;
	/* AMD APM Vol. 2 15.25.5: every nested access is a user access; guest-PT
	 * accesses are user writes */
	unsigned a = MSIM_WACC_USER |
		     (gpt ? MSIM_WACC_WRITE
			  : (acc & (MSIM_WACC_WRITE | MSIM_WACC_FETCH)));
	int rc;

	xo.rights = &xr;
	if (c->npsc && c->npsc(n->hooks.ctx, gpa, &st) && st.level) {
		ws = c->hw;
		ws.start = &st;
		w = &ws;
	}
	rc = msim_xw_run(w, gpa, a, res, &xo);
	if (rc < 0)
		return rc;
	if (rc) {
		/* AMD APM Vol. 2 15.25.6: #NPF, EXITINFO1 = nested #PF code | bit 32/33 */
		uint32_t ec = res->fault.pf_ec;
		uint8_t lvl = res->fault.level;

		memset(&res->fault, 0, sizeof(res->fault));
		res->fault.kind = MSIM_FAULT_NPF;
		res->fault.exitinfo1 = ec | (gpt ? MSIM_NPF_GPT : MSIM_NPF_FINAL);
		res->fault.exitinfo2 = gpa;
		res->fault.level = lvl;
		res->fault.dim = 1;
		return 1;
	}
	out->hpa = xo.pa;
	out->page_size = xo.page_size;
	out->rights = (msim_rights){ .nested = 2, .npt_rw = xr.rw,
				     .npt_us = xr.us, .npt_xd = xr.xd };
	return 0;
}

int msim_nctx_init(struct msim_nctx *c, const msim_nested *n,
		   const msim_cpu_features *cpu, bool reference)
{
	unsigned m = cpu->maxphyaddr;

	c->n = n;
	c->cpu = cpu;
	c->reference = reference;
	c->ntlb = reference ? NULL : n->hooks.ntlb_lookup;
	c->npsc = reference ? NULL : n->hooks.npsc_lookup;
	if (n->kind == MSIM_NESTED_EPT) {
		c->levels = msim_eptp_levels(n->eptp);
		if (!c->levels)
			return msim_err(MSIM_EINVAL, "EPTP 0x%llx: bad walk length",
					(unsigned long long)n->eptp);
		c->amask = MSIM_GENMASK(m - 1, 12);
		c->root = n->eptp & c->amask;
		c->rsvd_hi = m < 52 ? MSIM_GENMASK(51, m) : 0;
		c->ad = n->eptp & MSIM_EPTP_AD;
		c->present = 7 | (n->mbec ? MSIM_EPT_XU : 0);
		/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6: -w- and -wx always, --x without the capability */
		c->bad_xwr = (uint8_t)((1u << 2) | (1u << 6) |
				       (cpu->ept_exec_only ? 0 : 1u << 4));
		/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6: 1-GB/2-MB pages only with the capability and with
		 * address bits 29:12 / 20:12 clear (the other levels' bits:
		 * msim_ept_misconfig) */
		c->mcfg_1g = cpu->ept_1g ? c->rsvd_hi | MSIM_GENMASK(29, 12) : ~0ULL;
		c->mcfg_2m = cpu->ept_2m ? c->rsvd_hi | MSIM_GENMASK(20, 12) : ~0ULL;
		return 0;
	}
	if (n->kind != MSIM_NESTED_NPT)
		return msim_err(MSIM_EINVAL, "nested config: bad kind %d",
				(int)n->kind);
	/* AMD APM Vol. 2 15.25: host paging state captured at VMRUN */
	c->hregs = (msim_paging_regs)MSIM_PAGING_REGS_INIT;
	c->hregs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	c->hregs.cr4 = n->host_cr4 & (MSIM_CR4_PAE | MSIM_CR4_LA57 |
				      MSIM_CR4_PSE | MSIM_CR4_SMEP);
	c->hregs.efer = n->host_efer &
			(MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE);
	c->hregs.cr3 = n->ncr3;
	c->hregs.cpl = 3;
	msim_xw_init(&c->hw, cpu, &c->hregs, n->mem, 1);
	if (c->hw.mode == MSIM_PAGING_NONE)
		return msim_err(MSIM_EINVAL, "NPT: host paging state has paging off");
	c->hw.pdpte_on_demand = true; /* SDM Vol. 3A 4.4.1 applies to the host too */
	c->hw.reference = reference;
	return 0;
}

int msim_nested_xlate(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		      uint64_t gla, const msim_rights *la_rights,
		      msim_walk_result *res, struct msim_nx *out)
{
	return msim_nested_xlate_t(c, gpa, acc, gla, la_rights, res, out);
}

int msim_nested_walk(const msim_nested *n, const msim_cpu_features *cpu,
		     uint64_t gpa, unsigned acc, uint64_t gla,
		     const msim_rights *la_rights, msim_walk_result *res)
{
	struct msim_nctx c;
	struct msim_nx nx;
	int rc;

	if (!n || !cpu || !res || !n->mem)
		return msim_err(MSIM_EINVAL, "msim_nested_walk: NULL argument");
	/* as msim_walk: masks are built by shifting with M */
	if (cpu->maxphyaddr < 32 || cpu->maxphyaddr > 52)
		return msim_err(MSIM_EINVAL, "msim_nested_walk: maxphyaddr %u not in 32..52",
				cpu->maxphyaddr);
	msim_walk_result_reset(res);
	rc = msim_nctx_init(&c, n, cpu, false);
	if (rc)
		return rc;
	rc = msim_nested_xlate(&c, gpa, acc, gla, la_rights, res, &nx);
	if (rc)
		return rc < 0 ? rc : 0;
	res->pa = nx.hpa;
	res->gpa = gpa;
	res->page_size = nx.page_size;
	res->nested_page_size = nx.page_size;
	res->rights = nx.rights;
	return 0;
}
