/*
 * Second-level translation: the EPT walk (P7.1-P7.13) and NPT walks
 * (P7.14-P7.17, run by the x86-format core in walk.c with the host's
 * paging state), plus the dispatch used by 2D walks (P8).
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

	/* P7.1 */
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
	if (r->nested == 2) /* P7.15: user-mode rights */
		return r->npt_us && (!write || r->npt_rw) &&
		       (!fetch || !r->npt_xd);
	return true;
}

/* EPT violation with the exit qualification of P7.12/P7.13. */
void msim_ept_violation(const msim_nested *n, const msim_cpu_features *cpu,
			  uint64_t gpa, unsigned acc, uint64_t gla,
			  const msim_rights *la_rights, unsigned perm,
			  bool want_r, bool want_w, unsigned level,
			  msim_walk_result *res)
{
	uint64_t q = 0;

	/* P7.13: whether an RMW also reports a read is a knob */
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
	/* P7.15/P7.16: every nested access is a user access; guest-PT
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
		/* P7.17: #NPF, EXITINFO1 = nested #PF code | bit 32/33 */
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
		c->levels = ept_levels(n->eptp);
		if (!c->levels)
			return msim_err(MSIM_EINVAL, "EPTP 0x%llx: bad walk length",
					(unsigned long long)n->eptp);
		c->amask = MSIM_GENMASK(m - 1, 12);
		c->root = n->eptp & c->amask;
		c->rsvd_hi = m < 52 ? MSIM_GENMASK(51, m) : 0;
		c->ad = n->eptp & MSIM_EPTP_AD;
		c->present = 7 | (n->mbec ? MSIM_EPT_XU : 0);
		/* P7.6: -w- and -wx always, --x without the capability */
		c->bad_xwr = (uint8_t)((1u << 2) | (1u << 6) |
				       (cpu->ept_exec_only ? 0 : 1u << 4));
		/* P7.6: 1-GB/2-MB pages only with the capability and with
		 * address bits 29:12 / 20:12 clear (the other levels' bits:
		 * msim_ept_misconfig) */
		c->mcfg_1g = cpu->ept_1g ? c->rsvd_hi | MSIM_GENMASK(29, 12) : ~0ULL;
		c->mcfg_2m = cpu->ept_2m ? c->rsvd_hi | MSIM_GENMASK(20, 12) : ~0ULL;
		return 0;
	}
	if (n->kind != MSIM_NESTED_NPT)
		return msim_err(MSIM_EINVAL, "nested config: bad kind %d",
				(int)n->kind);
	/* P7.14: host paging state captured at VMRUN */
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
	c->hw.pdpte_on_demand = true; /* P2.15 applies to the host too */
	c->hw.reference = reference;
	return 0;
}

int msim_nested_xlate(const struct msim_nctx *c, uint64_t gpa, unsigned acc,
		      uint64_t gla, const msim_rights *la_rights,
		      msim_walk_result *res, struct msim_nx *out)
{
	return msim_nested_xlate_t(c, gpa, acc, gla, la_rights, res, out);
}

int msim_nested_ad_check(const struct msim_nctx *c, uint64_t gpa, uint64_t gla,
			 const msim_rights *nr, const msim_rights *la_rights,
			 msim_walk_result *res)
{
	/* NPT: the entry read was already a user write (P7.16); EPT with
	 * A/D: already a write (P7.9); unknown rights (PSC start): allow */
	if (c->n->kind != MSIM_NESTED_EPT || nr->nested != 1 || (nr->ept & 2))
		return 0;
	/* P7.13: the A/D update is an RMW of the guest entry: RD|WR */
	msim_ept_violation(c->n, c->cpu, gpa, MSIM_WACC_GPT | MSIM_WACC_WRITE, gla,
		      la_rights, nr->ept, true, true, 0, res);
	return 1;
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
