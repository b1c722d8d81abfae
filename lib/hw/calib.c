/*
 * Calibration predictor: run the pointer chase of bench/probe.c through
 * the hardware model (hw.c) and report cycles/ns per access. With
 * p->nested the guest runs under an identity EPT with host pages of
 * p->host_page, as on the VM the committed measurements come from.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "hw/chase_internal.h"
#include "hw/hw.h"
#include "mmu_sim/ept.h"

#define EPT_TABLE_HPA (1ULL << 40) /* EPT tables live above guest memory */

struct ept_builder {
	msim_gmem *host;
	uint64_t pml4, next;
	uint64_t host_page;
};

/* Identity-map the host page containing gpa (hpa = gpa). */
static int ept_map(struct ept_builder *b, uint64_t gpa)
{
	uint64_t table = b->pml4;
	unsigned leaf = b->host_page == 4096 ? 1 : b->host_page == (2ULL << 20) ? 2 : 3;
	int rc;

	for (unsigned l = 4; l > leaf; l--) {
		uint64_t ea = table + ((gpa >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
		uint64_t e = msim_gmem_read64(b->host, ea);
		if (!(e & 7)) {
			e = b->next | 7; /* R W X */
			b->next += 4096;
			if ((rc = msim_gmem_write(b->host, ea, 8, e)))
				return rc;
		}
		table = e & MSIM_GENMASK(51, 12);
	}
	{
		unsigned shift = 12 + 9 * (leaf - 1);
		uint64_t ea = table + ((gpa >> shift) & 0x1ff) * 8;
		uint64_t v = (gpa & MSIM_GENMASK(51, shift)) | 7 |
			     (MSIM_EPTP_MT_WB << MSIM_EPT_MT_SHIFT) |
			     (leaf > 1 ? MSIM_EPT_PS : 0);
		return msim_gmem_write(b->host, ea, 8, v);
	}
}

static int wr_guest(void *ctx, uint64_t gpa, uint64_t val)
{
	return msim_gmem_write(ctx, gpa, 8, val);
}

int msim_chase_predict(const msim_cost_params *p, const msim_chase_opts *o,
		       double *cycles, double *ns)
{
	msim_gmem_opts go = MSIM_GMEM_OPTS_INIT;
	msim_gmem *guest = NULL, *host = NULL;
	msim_hw *hw = NULL;
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_nested n = MSIM_NESTED_INIT;
	msim_hw_xlat x = { 0 };
	msim_hw_result r;
	struct ept_builder eb;
	uint64_t *order = NULL, cr3, tend, total = 0;
	int rc;

	if (!p || !o || !cycles || !ns || !o->pages || !o->accesses ||
	    (o->page_size != 4096 && o->page_size != (2ULL << 20)))
		return msim_err(MSIM_EINVAL, "chase_predict: bad arguments");
	go.max_bytes = 1ULL << 36;
	if ((rc = msim_gmem_create(&guest, &go)) ||
	    (rc = msim_gmem_create(&host, &go)))
		goto out;
	if ((rc = msim_chase_tables(o, wr_guest, guest, &cr3, &tend)))
		goto out;
	order = malloc(o->pages * sizeof(*order));
	if (!order) {
		rc = msim_err(MSIM_ENOMEM, "chase_predict: out of memory");
		goto out;
	}
	msim_chase_order(o, order);
	regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP | 0x10;
	regs.cr4 = MSIM_CR4_PAE | MSIM_CR4_PGE;
	regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	regs.cr3 = cr3;
	regs.cpl = 3;
	regs.cs_l = true;
	x.mem = guest;
	x.cpu = &cpu;
	x.regs = &regs;
	if (p->nested) {
		eb.host = host;
		eb.pml4 = EPT_TABLE_HPA;
		eb.next = EPT_TABLE_HPA + 4096;
		eb.host_page = p->host_page;
		for (uint64_t g = MSIM_CHASE_TABLE_GPA; g < tend; g += 4096)
			if ((rc = ept_map(&eb, g)))
				goto out;
		for (uint64_t i = 0; i < o->pages; i++)
			if ((rc = ept_map(&eb, msim_chase_gpa(o, i) +
						       (i % 64) * 64)))
				goto out;
		n.kind = MSIM_NESTED_EPT;
		n.mem = host;
		n.eptp = EPT_TABLE_HPA | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
		x.nested = &n;
	}
	msim_hw_tag_from(&x.tag, &regs, p->nested ? 1 : 0, x.nested);
	ho.cost = p;
	if ((rc = msim_hw_create(&hw, &ho)))
		goto out;
	for (uint64_t i = 0; i < o->pages + o->accesses; i++) {
		uint64_t va = msim_chase_va(o, order[i % o->pages]);
		if ((rc = msim_hw_access(hw, &x, va, MSIM_WACC_USER, &r)))
			goto out;
		if (r.fault.kind != MSIM_FAULT_NONE) {
			rc = msim_err(MSIM_EMISMATCH,
				      "chase_predict: access 0x%llx faulted (kind %d)",
				      (unsigned long long)va, (int)r.fault.kind);
			goto out;
		}
		if (i >= o->pages)
			total += r.cycles;
	}
	*cycles = (double)total / (double)o->accesses;
	*ns = *cycles / p->ghz;
out:
	msim_hw_free(hw);
	free(order);
	msim_gmem_free(guest);
	msim_gmem_free(host);
	return rc;
}
