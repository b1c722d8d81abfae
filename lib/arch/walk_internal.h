/*
 * Walker internals shared by walk.c (x86-format walk core, used for guest
 * walks and for NPT nested walks) and ept.c (EPT walk, nested dispatch).
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_WALK_INTERNAL_H
#define MSIM_WALK_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "base/gmem_internal.h"
#include "base/internal.h"
#include "mmu_sim/ept.h"


struct msim_nctx;

/* Everything one x86-format walk needs; built once per walk (no alloc). */
struct msim_xw {
	msim_paging_mode mode;
	uint64_t root;        /* table at the top level (PAE: PDPT address) */
	uint64_t addr_mask;   /* bits M-1:12 */
	/* 64-bit formats: reserved bits of a present entry (SDM Vol. 3A 4.5, Tables 4-15..4-20; AMD APM Vol. 2 5.3) as
	 * three scalars, not a per-(level, PS) table: the long-mode walk has
	 * a constant level at each step, so xw_rsvd() folds to one of them,
	 * and without an array indexed at run time the walk's msim_xw stays
	 * in registers (its init stores and reloads disappear) */
	uint64_t rsvd_hi;     /* every level: 51:M (62:M in PAE) | 63 if !NXE */
	uint64_t rsvd_top;    /* PML5E/PML4E: rsvd_hi | PS (SDM Vol. 3A 4.5, Tables 4-15..4-20c) | 8 on AMD (AMD APM Vol. 2 5.3) */
	uint64_t rsvd_1g;     /* PDPTE with PS=1: rsvd_hi | 29:13, or PS itself
			       * without 1-GB pages (SDM Vol. 3A 4.5, Tables 4-15..4-20) */
	uint64_t pde4m_rsvd;  /* 32-bit paging 4-MB PDE reserved bits (SDM Vol. 3A 4.3, Tables 4-4..4-6) */
	unsigned m32;         /* M' = min(M, 40) with PSE-36, else 32 */
	bool nxe, lma, pse, amd, gbpages;
	bool pdpte_on_demand; /* PAE PDPTEs read from memory (NPT, SDM Vol. 3A 4.4.1) */
	uint8_t dim;          /* 0 guest, 1 nested (NPT) */
	const msim_paging_regs *regs; /* rights regs; pdpte[] for PAE */
	msim_gmem *mem;       /* memory holding the entries (by address) */
	const msim_cpu_features *cpu;
	const msim_nested *nested; /* guest dim of a 2D walk, else NULL */
	const struct msim_nctx *nctx; /* its prepared context (same walk) */
	msim_ad_policy ad_policy;
	msim_ad_order ad_order;
	bool no_ad;
	bool reference;
	const msim_walk_start *start;
};

/* Paging mode (SDM Vol. 3A 4.1.1); the public msim_paging_mode_of() is exported and so
 * cannot be inlined into the walk under -fPIC. */
static inline msim_paging_mode msim_xw_mode_of(const msim_paging_regs *r)
{
	if (!(r->cr0 & MSIM_CR0_PG))
		return MSIM_PAGING_NONE;
	if (!(r->cr4 & MSIM_CR4_PAE))
		return MSIM_PAGING_32;
	if (!(r->efer & MSIM_EFER_LMA))
		return MSIM_PAGING_PAE;
	return (r->cr4 & MSIM_CR4_LA57) ? MSIM_PAGING_5 : MSIM_PAGING_4;
}

/*
 * Guest rights check of SDM Vol. 3A 4.6.1 (body of msim_rights_check, walk_rights.c),
 * inline so the walker's use after every successful walk costs no call.
 */
static inline bool msim_pk_denies(uint32_t keys, unsigned pk, bool write,
				  bool wd_applies)
{
	bool ad = (keys >> (2 * pk)) & 1, wd = (keys >> (2 * pk + 1)) & 1;

	return ad || (write && wd && wd_applies);
}

static inline MSIM_ALWAYS_INLINE uint32_t msim_rights_eval(const msim_rights *r,
					const msim_paging_regs *regs,
					unsigned acc)
{
	const bool write = acc & MSIM_WACC_WRITE, fetch = acc & MSIM_WACC_FETCH;
	const bool ss = acc & MSIM_WACC_SHSTK;
	const bool implicit = acc & MSIM_WACC_IMPLICIT;
	const bool user = (acc & MSIM_WACC_USER) && !implicit;
	const bool wp = regs->cr0 & MSIM_CR0_WP;
	const uint64_t cr4 = regs->cr4;
	bool deny;
	uint32_t ec = MSIM_PFEC_P;

	if (ss) {
		/* SDM Vol. 3A 4.6.2: shadow-stack page of the access's own mode */
		deny = !r->shstk || r->us != user;
	} else if (fetch) {
		/* SDM Vol. 3A 4.6.1 X rows, SDM Vol. 3A 4.6.1 SMEP */
		deny = r->xd || (user ? !r->us : (r->us && (cr4 & MSIM_CR4_SMEP)));
	} else if (user) {
		deny = !r->us || (write && !r->rw);
	} else {
		/* SDM Vol. 3A 4.6.1: SMAP spares only explicit accesses with EFLAGS.AC=1 */
		bool smap = r->us && (cr4 & MSIM_CR4_SMAP) &&
			    (implicit || !(regs->rflags & MSIM_RFLAGS_AC));

		deny = smap || (write && !r->rw && wp); /* SDM Vol. 3A 4.6.1 */
	}
	/* SDM Vol. 3A 4.6.2: keys for data accesses in long mode only; SDM Vol. 3A 4.7: PK is OR-ed */
	if (!fetch && (regs->efer & MSIM_EFER_LMA)) {
		bool pkd = false;

		if (r->us && (cr4 & MSIM_CR4_PKE))
			pkd = msim_pk_denies(regs->pkru, r->pk, write && !ss,
					     user || wp);
		else if (!r->us && (cr4 & MSIM_CR4_PKS))
			/* SDM Vol. 3A 4.6.2: PKRS.WD binds user-mode writes
			 * always, supervisor-mode ones only with CR0.WP, as PKRU */
			pkd = msim_pk_denies(regs->pkrs, r->pk, write && !ss,
					     user || wp);
		if (pkd) {
			deny = true;
			ec |= MSIM_PFEC_PK;
		}
	}
	if (!deny)
		return 0;
	if (write)
		ec |= MSIM_PFEC_W;
	if (user)
		ec |= MSIM_PFEC_U;
	if (ss)
		ec |= MSIM_PFEC_SS;
	/* SDM Vol. 3A 4.7: I/D only when SMEP or PAE+NXE */
	if (fetch && ((cr4 & MSIM_CR4_SMEP) ||
		      ((cr4 & MSIM_CR4_PAE) && (regs->efer & MSIM_EFER_NXE))))
		ec |= MSIM_PFEC_ID;
	return ec;
}

/* Output of one nested translation. */
struct msim_nx {
	uint64_t hpa;
	uint64_t page_size;
	msim_rights rights; /* nested fields only */
};

/*
 * Store ref number `n` (counters kept by the caller): a walk loop that
 * keeps nrefs/nreads in registers and writes them back once avoids a
 * reload after every byte store into the result. (`n` is a size_t so
 * indexing refs[] needs no zero-extension.)
 */
static inline MSIM_ALWAYS_INLINE void
msim_walk_ref_put(msim_walk_result *res, size_t n, uint64_t addr,
		  unsigned level, unsigned kind, unsigned dim, unsigned size)
{
	/* one aggregate store: separate uint8_t stores would alias
	 * everything and force the walker to reload its state */
	if (n < MSIM_WALK_MAX_REFS)
		res->refs[n] = (msim_walk_ref){
			.addr = addr, .level = (uint8_t)level,
			.kind = (uint8_t)kind, .dim = (uint8_t)dim,
			.size = (uint8_t)size };
}

static inline void msim_walk_ref_add(msim_walk_result *res, uint64_t addr,
				     unsigned level, unsigned kind,
				     unsigned dim, unsigned size)
{
	if (kind == MSIM_REF_AD_WRITE)
		res->nad_writes++;
	else
		res->nreads++;
	msim_walk_ref_put(res, res->nrefs, addr, level, kind, dim, size);
	res->nrefs++;
}

/* Reset the parts of a result a walk relies on (not the arrays). */
static inline void msim_walk_result_reset(msim_walk_result *res)
{
	/* every field before entries[] (fault, pa .. nested_page_size,
	 * rights, mode = NONE, levels, pat, leaf_gpa) starts at 0: two block
	 * clears are a few wide stores instead of one store per field (one
	 * 128-byte memset would become a slow `rep stos`) */
	memset(&res->fault, 0, sizeof(res->fault));
	memset(&res->pa, 0, offsetof(msim_walk_result, entries) -
				    offsetof(msim_walk_result, pa));
	/* only `valid` is reset: fields of levels not read are unspecified */
	for (unsigned i = 0; i < MSIM_WALK_MAX_LEVELS; i++)
		res->entries[i].valid = false;
	res->nrefs = res->nreads = res->nad_writes = 0;
}

/* Configure an x86-format walk for registers `regs` (guest or NPT host);
 * cpu->maxphyaddr must be in 32..52 (checked by the API entry points). */
void msim_xw_init(struct msim_xw *w, const msim_cpu_features *cpu,
		  const msim_paging_regs *regs, msim_gmem *mem, uint8_t dim);

/* Success output of one x86-format walk (guest or NPT dimension). */
struct msim_xw_out {
	uint64_t pa;        /* final address (2D guest dim: hpa) */
	uint64_t gpa;       /* final address before nested translation */
	uint64_t page_size;
	uint64_t nested_page_size;
	uint64_t leaf_addr; /* address of the leaf entry (w->mem space) */
	msim_rights *rights; /* written in place (caller's storage) */
	/* full words: byte fields copied out right after the walk would be
	 * merged into one wider load that cannot forward from the stores */
	unsigned leaf_level;
	unsigned start_level;
	unsigned pat;
};

/*
 * Run the x86-format walk core. Appends refs (and, for dim 0, entries) to
 * res. Returns 0 on success (out filled), 1 if the walk faulted (res->fault
 * filled; #PF form for this dimension, or a nested fault raised inside a
 * 2D walk), or a negative MSIM_E* (memory write failed).
 */
int msim_xw_run(const struct msim_xw *w, uint64_t la, unsigned access,
		msim_walk_result *res, struct msim_xw_out *out);

/*
 * Second-level context, prepared once per 2D walk (or standalone nested
 * walk) so the per-gpa nested walks only do the walking.
 */
struct msim_nctx {
	const msim_nested *n;
	const msim_cpu_features *cpu;
	bool reference;
	/* the hooks of n, NULL if not set or in reference mode */
	bool (*ntlb)(void *ctx, uint64_t gpa, msim_nested_xlat *out);
	bool (*npsc)(void *ctx, uint64_t gpa, msim_walk_start *start);
	/* EPT */
	unsigned levels;
	uint64_t root, amask;
	/* SDM Vol. 3C 28.2.2, Tables 28-1..28-6 bits of a present entry that make it a misconfiguration:
	 * rsvd_hi (51:M) at every level plus per-level constants (see
	 * msim_ept_misconfig); the large-page leaves depend on capabilities
	 * and are precomputed, ~0 where the size is not supported (any
	 * present entry qualifies). Scalars, not a per-(level, PS) table:
	 * the walk's levels are constants, so each check folds to one. */
	uint64_t rsvd_hi, mcfg_1g, mcfg_2m;
	uint64_t present;  /* R|W|X, | XU with MBEC (SDM Vol. 3C 28.2.2, Tables 28-1..28-6) */
	bool ad;
	uint8_t bad_xwr;  /* bit i: R/W/X value i is a misconfiguration */
	/* NPT: host paging state and its x86-format walk configuration */
	msim_paging_regs hregs;
	struct msim_xw hw;
};

/* Prepare *c (which must not move afterwards: c->hw points into it).
 * Returns 0 or a negative MSIM_E* for a bad configuration. */
int msim_nctx_init(struct msim_nctx *c, const msim_nested *n,
		   const msim_cpu_features *cpu, bool reference);

/*
 * Translate `gpa` through the second level for a 2D walk or a standalone
 * nested walk. Appends dim-1 refs to res. Returns 0 on success (out
 * filled), 1 if it faulted (res->fault filled: EPT violation/misconfig or
 * #NPF), negative MSIM_E* on error.
 */
int msim_nested_xlate(const struct msim_nctx *c, uint64_t gpa, unsigned access,
		      uint64_t gla, const msim_rights *la_rights,
		      msim_walk_result *res, struct msim_nx *out);

/* Nested write-permission check for a guest A/D update whose entry page
 * was translated with rights `nr` (no new references). Returns 0 if
 * allowed, else 1 with res->fault filled. */
int msim_nested_ad_check(const struct msim_nctx *c, uint64_t gpa, uint64_t gla,
			 const msim_rights *nr, const msim_rights *la_rights,
			 msim_walk_result *res);

#endif
