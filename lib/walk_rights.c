/*
 * Guest access-rights check at use time (P3.4 decision table, P3.13): the
 * walker calls it after a complete valid walk, and the TLB model calls it
 * with cached rights on every hit.
 * SPDX-License-Identifier: MIT
 */
#include "walk_internal.h"

/* Protection-key verdict for key `pk` in PKRU/PKRS image `keys` (P3.9). */
static inline bool pk_denies(uint32_t keys, unsigned pk, bool write,
			     bool wd_applies)
{
	bool ad = (keys >> (2 * pk)) & 1, wd = (keys >> (2 * pk + 1)) & 1;

	return ad || (write && wd && wd_applies);
}

uint32_t msim_rights_check(const msim_rights *r, const msim_paging_regs *regs,
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
		/* P3.12: shadow-stack page of the access's own mode */
		deny = !r->shstk || r->us != user;
	} else if (fetch) {
		/* P3.4 X rows, P3.6 SMEP */
		deny = r->xd || (user ? !r->us : (r->us && (cr4 & MSIM_CR4_SMEP)));
	} else if (user) {
		deny = !r->us || (write && !r->rw);
	} else {
		/* P3.7: SMAP spares only explicit accesses with EFLAGS.AC=1 */
		bool smap = r->us && (cr4 & MSIM_CR4_SMAP) &&
			    (implicit || !(regs->rflags & MSIM_RFLAGS_AC));

		deny = smap || (write && !r->rw && wp); /* P3.5 */
	}
	/* P3.8: keys for data accesses in long mode only; P4.4: PK is OR-ed */
	if (!fetch && (regs->efer & MSIM_EFER_LMA)) {
		bool pkd = false;

		if (r->us && (cr4 & MSIM_CR4_PKE))
			pkd = pk_denies(regs->pkru, r->pk, write && !ss,
					user || wp);
		else if (!r->us && (cr4 & MSIM_CR4_PKS))
			pkd = pk_denies(regs->pkrs, r->pk, write && !ss, wp);
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
	/* P4.3/P4.5: I/D only when SMEP or PAE+NXE */
	if (fetch && ((cr4 & MSIM_CR4_SMEP) ||
		      ((cr4 & MSIM_CR4_PAE) && (regs->efer & MSIM_EFER_NXE))))
		ec |= MSIM_PFEC_ID;
	return ec;
}
