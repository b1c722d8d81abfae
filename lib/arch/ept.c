/*
 * EPT: EPTP checks, the rights of a guest-physical access and the EPT
 * violation it raises (the EPT steps themselves are inline in ept_walk.h,
 * so the walker runs them without a call). NPT walks and the 2D dispatch
 * live with the walker they reuse (walk.c): this file calls nothing above.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "arch/ept_walk.h"

/* Body of msim_eptp_levels (exported, so not inlined under -fPIC). */
static inline unsigned ept_levels(uint64_t eptp)
{
	unsigned n = (unsigned)((eptp >> 3) & 7) + 1;

	return (n == 4 || n == 5) ? n : 0;
}

unsigned msim_eptp_levels(uint64_t eptp)
{
	return ept_levels(eptp);
}

bool msim_eptp_valid(const msim_cpu_features *cpu, uint64_t eptp)
{
	unsigned mt = eptp & 7, lv = msim_eptp_levels(eptp);
	unsigned m = cpu->maxphyaddr;

	/* SDM Vol. 3C 24.6.11 */
	if (!((mt == 0 && cpu->ept_uc) || (mt == 6 && cpu->ept_wb)))
		return false;
	if (!((lv == 4 && cpu->ept_4level) || (lv == 5 && cpu->ept_5level)))
		return false;
	if ((eptp & MSIM_EPTP_AD) && !cpu->ept_ad)
		return false;
	if ((eptp & MSIM_EPTP_SSS) && !cpu->ept_sss)
		return false;
	if (eptp & MSIM_GENMASK(11, 8))
		return false;
	if (m < 64 && (eptp & MSIM_GENMASK(63, m)))
		return false;
	return true;
}

bool msim_nested_rights_ok(const msim_rights *r, unsigned acc, bool mbec)
{
	bool write = acc & MSIM_WACC_WRITE, fetch = acc & MSIM_WACC_FETCH;

	if (r->nested == 1) {
		unsigned need = fetch ? (mbec && r->us ? 8u : 4u)
				      : (write ? 2u : 1u);
		return (r->ept & need) == need;
	}
	if (r->nested == 2) /* AMD APM Vol. 2 15.25.5: user-mode rights */
		return r->npt_us && (!write || r->npt_rw) &&
		       (!fetch || !r->npt_xd);
	return true;
}

/* EPT violation with the exit qualification of SDM Vol. 3C 27.2.1, Table 27-7. */
void msim_ept_violation(const msim_nested *n, const msim_cpu_features *cpu,
			  uint64_t gpa, unsigned acc, uint64_t gla,
			  const msim_rights *la_rights, unsigned perm,
			  bool want_r, bool want_w, unsigned level,
			  msim_walk_result *res)
{
	uint64_t q = 0;

	/* SDM Vol. 3C 27.2.1, Table 27-7: whether an RMW also reports a read is a knob */
	if (want_r || ((acc & MSIM_WACC_RMW) && n->rmw_read_bit))
		q |= MSIM_EPTQ_RD;
	q |= want_w ? MSIM_EPTQ_WR : 0;
	q |= (acc & MSIM_WACC_FETCH) ? MSIM_EPTQ_FETCH : 0;
	q |= (uint64_t)(perm & 7) << 3;
	if (n->mbec && (perm & 8))
		q |= MSIM_EPTQ_PERM_UX;
	if (!(acc & MSIM_WACC_NO_GLA)) {
		q |= MSIM_EPTQ_LADDR_VLD;
		if (!(acc & MSIM_WACC_GPT)) {
			q |= MSIM_EPTQ_PADDR;
			if (cpu->ept_adv_info && la_rights) {
				q |= la_rights->us ? MSIM_EPTQ_USER : 0;
				q |= la_rights->rw ? MSIM_EPTQ_LA_WR : 0;
				q |= la_rights->xd ? MSIM_EPTQ_LA_XD : 0;
			}
		}
	}
	if (acc & MSIM_WACC_SHSTK)
		q |= MSIM_EPTQ_SHSTK;
	memset(&res->fault, 0, sizeof(res->fault));
	res->fault.kind = MSIM_FAULT_EPT_VIOLATION;
	res->fault.exit_qual = q;
	res->fault.gpa = gpa;
	res->fault.gla = (q & MSIM_EPTQ_LADDR_VLD) ? gla : 0;
	res->fault.level = (uint8_t)level;
	res->fault.dim = 1;
}

int msim_nested_ad_check(const struct msim_nctx *c, uint64_t gpa, uint64_t gla,
			 const msim_rights *nr, const msim_rights *la_rights,
			 msim_walk_result *res)
{
	/* NPT: the entry read was already a user write (AMD APM Vol. 2 15.25.5); EPT with
	 * A/D: already a write (SDM Vol. 3C 28.2.4); unknown rights (PSC start): allow */
	if (c->n->kind != MSIM_NESTED_EPT || nr->nested != 1 || (nr->ept & 2))
		return 0;
	/* SDM Vol. 3C 27.2.1, Table 27-7: the A/D update is an RMW of the guest entry: RD|WR */
	msim_ept_violation(c->n, c->cpu, gpa, MSIM_WACC_GPT | MSIM_WACC_WRITE, gla,
		      la_rights, nr->ept, true, true, 0, res);
	return 1;
}
