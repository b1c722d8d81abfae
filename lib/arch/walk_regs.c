/*
 * Architectural control-register and EFER writes (SDM Vol. 3A 4.1.1; SDM Vol. 3A 4.1.1, 2.5; SDM Vol. 3A 4.10.1) and
 * PAE PDPTE-register loads (SDM Vol. 3A 4.4.1, Table 4-8; SDM Vol. 3A 4.4.1).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "arch/walk_internal.h"

uint64_t msim_pae_pdpte_rsvd(unsigned m)
{
	/* SDM Vol. 3A 4.4.1, Table 4-8: 63:M, 8:5, 2:1 (no XD, R/W, U/S or A in a PAE PDPTE) */
	return (m >= 64 ? 0 : MSIM_GENMASK(63, m)) | MSIM_GENMASK(8, 5) |
	       MSIM_GENMASK(2, 1);
}

int msim_pae_load_pdptes(const msim_cpu_features *cpu, const msim_gmem *mem,
			 uint64_t cr3, uint64_t pdpte[4], bool *gp)
{
	uint64_t v[4], rsvd;

	if (!cpu || !mem || !pdpte || !gp)
		return msim_err(MSIM_EINVAL, "msim_pae_load_pdptes: NULL argument");
	rsvd = msim_pae_pdpte_rsvd(cpu->maxphyaddr);
	*gp = false;
	for (unsigned i = 0; i < 4; i++) {
		v[i] = msim_gmem_read64(mem, (cr3 & 0xffffffe0ULL) + 8 * i);
		if ((v[i] & MSIM_PTE_P) && (v[i] & rsvd))
			*gp = true; /* SDM Vol. 3A 4.4.1: #GP, registers keep old values */
	}
	if (!*gp)
		memcpy(pdpte, v, sizeof(v));
	return 0;
}

static uint64_t cr4_supported(const msim_cpu_features *c)
{
	/* VME PVI TSD DE PSE PAE MCE PCE OSFXSR OSXMMEXCPT UMIP VMXE SMXE
	 * FSGSBASE OSXSAVE are always accepted; the rest per CPUID (SDM Vol. 3A 4.1.1, 2.5) */
	uint64_t m = MSIM_GENMASK(6, 0) | MSIM_GENMASK(11, 8) |
		     (1ULL << 13) | (1ULL << 14) | (1ULL << 16) | (1ULL << 18);

	m |= c->pge ? MSIM_CR4_PGE : 0;
	m |= c->la57 ? MSIM_CR4_LA57 : 0;
	m |= c->pcid ? MSIM_CR4_PCIDE : 0;
	m |= c->smep ? MSIM_CR4_SMEP : 0;
	m |= c->smap ? MSIM_CR4_SMAP : 0;
	m |= c->pke ? MSIM_CR4_PKE : 0;
	m |= c->cet ? MSIM_CR4_CET : 0;
	m |= c->pks ? MSIM_CR4_PKS : 0;
	return m;
}

static int gp(msim_arch_result *out, const char *why)
{
	out->gp = true;
	out->why = why;
	return 0;
}

/* SDM Vol. 3A 4.4.1(b): CR0/CR4 writes that keep PAE paging active and change these
 * bits reload the PDPTE registers. SMEP is included as in newer SDMs; KVM
 * uses the same sets (kvm_cache_regs.h X86_CR0_PDPTR_BITS = CD|NW|PG,
 * X86_CR4_PDPTR_BITS = PGE|PSE|PAE|SMEP), closing spec open point 4. */
#define CR0_PDPTE_BITS (MSIM_CR0_PG | MSIM_CR0_CD | MSIM_CR0_NW)
#define CR4_PDPTE_BITS (MSIM_CR4_PAE | MSIM_CR4_PGE | MSIM_CR4_PSE | \
			MSIM_CR4_SMEP)

int msim_arch_write(const msim_cpu_features *cpu, msim_paging_regs *regs,
		    msim_arch_reg reg, uint64_t val, const msim_gmem *mem,
		    msim_arch_result *out)
{
	msim_paging_regs n;
	bool lma, reload = false, pdgp;
	uint64_t old;

	if (!cpu || !regs || !out)
		return msim_err(MSIM_EINVAL, "msim_arch_write: NULL argument");
	memset(out, 0, sizeof(*out));
	n = *regs;
	lma = regs->efer & MSIM_EFER_LMA;
	switch (reg) {
	case MSIM_REG_CR0:
		old = regs->cr0;
		if (val >> 32)
			return gp(out, "CR0 bits 63:32 set");
		if ((val & MSIM_CR0_PG) && !(val & MSIM_CR0_PE))
			return gp(out, "CR0.PG=1 with PE=0");
		if ((val & MSIM_CR0_NW) && !(val & MSIM_CR0_CD))
			return gp(out, "CR0.NW=1 with CD=0");
		if ((val & MSIM_CR0_PG) && !(old & MSIM_CR0_PG) &&
		    (regs->efer & MSIM_EFER_LME) && !(regs->cr4 & MSIM_CR4_PAE))
			return gp(out, "CR0.PG=1 with EFER.LME=1 and CR4.PAE=0"); /* SDM Vol. 3A 4.1.1 */
		if (!(val & MSIM_CR0_PG) && (old & MSIM_CR0_PG)) {
			if (regs->cr4 & MSIM_CR4_PCIDE)
				return gp(out, "clearing CR0.PG with CR4.PCIDE=1");
			if (lma && regs->cs_l)
				return gp(out, "clearing CR0.PG in 64-bit mode");
		}
		if (!(val & MSIM_CR0_WP) && (regs->cr4 & MSIM_CR4_CET))
			return gp(out, "clearing CR0.WP with CR4.CET=1");
		n.cr0 = val;
		/* SDM Vol. 3A 4.1.1: LMA = LME & PG */
		if ((val & MSIM_CR0_PG) && (regs->efer & MSIM_EFER_LME))
			n.efer |= MSIM_EFER_LMA;
		else if (!(val & MSIM_CR0_PG))
			n.efer &= ~MSIM_EFER_LMA;
		reload = (old ^ val) & CR0_PDPTE_BITS;
		break;
	case MSIM_REG_CR4:
		old = regs->cr4;
		if (val & ~cr4_supported(cpu))
			return gp(out, "CR4 bit not supported by the CPU");
		if (lma && !(val & MSIM_CR4_PAE))
			return gp(out, "clearing CR4.PAE in long mode");
		if (lma && ((old ^ val) & MSIM_CR4_LA57))
			return gp(out, "changing CR4.LA57 in long mode");
		if ((val & MSIM_CR4_PCIDE) && !(old & MSIM_CR4_PCIDE)) {
			if (!lma)
				return gp(out, "setting CR4.PCIDE outside long mode");
			if (regs->cr3 & 0xfff)
				return gp(out, "setting CR4.PCIDE with CR3[11:0] != 0");
		}
		if ((val & MSIM_CR4_CET) && !(regs->cr0 & MSIM_CR0_WP))
			return gp(out, "setting CR4.CET with CR0.WP=0");
		n.cr4 = val;
		reload = (old ^ val) & CR4_PDPTE_BITS;
		break;
	case MSIM_REG_CR3:
		old = regs->cr3;
		if (lma) {
			uint64_t v = val;

			/* SDM Vol. 3A 4.1.1, 2.5: bit 63 is the no-flush hint only with PCIDE */
			if (regs->cr4 & MSIM_CR4_PCIDE)
				v &= ~(1ULL << 63);
			if (cpu->maxphyaddr < 64 &&
			    (v & MSIM_GENMASK(63, cpu->maxphyaddr)))
				return gp(out, "CR3 bits above MAXPHYADDR set");
			n.cr3 = v;
		} else {
			n.cr3 = val & 0xffffffffULL;
		}
		reload = true; /* SDM Vol. 3A 4.4.1(a) */
		break;
	case MSIM_REG_EFER: {
		uint64_t ok = 1 | MSIM_EFER_LME | MSIM_EFER_LMA |
			      (cpu->nx ? MSIM_EFER_NXE : 0) |
			      (cpu->vendor == MSIM_VENDOR_AMD ? MSIM_GENMASK(15, 12) : 0);

		old = regs->efer;
		if (val & ~ok)
			return gp(out, "EFER reserved bit set");
		if ((regs->cr0 & MSIM_CR0_PG) &&
		    ((old ^ val) & MSIM_EFER_LME))
			return gp(out, "changing EFER.LME with CR0.PG=1");
		/* LMA is read-only: keep the current value */
		n.efer = (val & ~MSIM_EFER_LMA) | (old & MSIM_EFER_LMA);
		break;
	}
	default:
		return msim_err(MSIM_EINVAL, "msim_arch_write: bad register %d", (int)reg);
	}
	if (reload && msim_xw_mode_of(&n) == MSIM_PAGING_PAE) {
		int rc;

		if (!mem)
			return msim_err(MSIM_EINVAL,
					"msim_arch_write: PAE PDPTE load needs memory");
		rc = msim_pae_load_pdptes(cpu, mem, n.cr3, n.pdpte, &pdgp);
		if (rc)
			return rc;
		if (pdgp)
			return gp(out, "PAE PDPTE with reserved bit set"); /* SDM Vol. 3A 4.4.1 */
		out->pdptes_loaded = true;
	}
	switch (reg) {
	case MSIM_REG_CR0: out->changed = regs->cr0 ^ n.cr0; break;
	case MSIM_REG_CR3: out->changed = regs->cr3 ^ n.cr3; break;
	case MSIM_REG_CR4: out->changed = regs->cr4 ^ n.cr4; break;
	default: out->changed = regs->efer ^ n.efer; break;
	}
	*regs = n;
	return 0;
}
