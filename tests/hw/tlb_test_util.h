/*
 * Helpers for the TLB / PSC / cost tests: build 4-level guest tables and
 * an identity EPT in simulated memory, and drive the hardware path.
 * SPDX-License-Identifier: MIT
 */
#ifndef TLB_TEST_UTIL_H
#define TLB_TEST_UTIL_H

#include <criterion/criterion.h>
#include <string.h>

#include "hw/hw.h"
#include "base/internal.h"
#include "mmu_sim/ept.h"
#include "hw/chase_internal.h"
#include "hw/access_event.h"
#include "hw/tlb_internal.h"
#include "base/rng.h"

#define TU_NONLEAF (MSIM_PTE_P | MSIM_PTE_RW | MSIM_PTE_US | MSIM_PTE_A)
#define TU_LEAF (TU_NONLEAF | MSIM_PTE_D)
#define TU_EPT_NONLEAF 7ULL
#define TU_EPT_LEAF (7ULL | (MSIM_EPTP_MT_WB << MSIM_EPT_MT_SHIFT))

struct tu_pt {
	msim_gmem *mem;
	uint64_t root, next;
	bool ept; /* EPT format (R/W/X) instead of x86 */
};

static inline void tu_pt_init(struct tu_pt *p, msim_gmem *mem, uint64_t base,
			      bool ept)
{
	p->mem = mem;
	p->root = base;
	p->next = base + 4096;
	p->ept = ept;
}

/* Map va -> pa at leaf level `leaf` (1: 4K, 2: 2M); returns the leaf
 * entry's address. Upper tables are created as needed. */
static inline uint64_t tu_map(struct tu_pt *p, uint64_t va, uint64_t pa,
			      unsigned leaf, uint64_t leaf_flags)
{
	uint64_t table = p->root;

	for (unsigned l = 4; l > leaf; l--) {
		uint64_t ea = table + ((va >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
		uint64_t e = msim_gmem_read64(p->mem, ea);
		if (!e) {
			e = p->next | (p->ept ? TU_EPT_NONLEAF : TU_NONLEAF);
			p->next += 4096;
			cr_assert_eq(msim_gmem_write(p->mem, ea, 8, e), 0);
		}
		table = e & MSIM_GENMASK(51, 12);
	}
	{
		uint64_t ea = table + ((va >> (12 + 9 * (leaf - 1))) & 0x1ff) * 8;
		uint64_t v = pa | leaf_flags | (leaf > 1 ? MSIM_PTE_PS : 0);
		cr_assert_eq(msim_gmem_write(p->mem, ea, 8, v), 0);
		return ea;
	}
}

/* Address of the entry of `level` mapping va (tables must exist). */
static inline uint64_t tu_entry(const struct tu_pt *p, uint64_t va,
				unsigned level)
{
	uint64_t table = p->root;

	for (unsigned l = 4; l > level; l--) {
		uint64_t ea = table + ((va >> (12 + 9 * (l - 1))) & 0x1ff) * 8;
		table = msim_gmem_read64(p->mem, ea) & MSIM_GENMASK(51, 12);
	}
	return table + ((va >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
}

/* A whole test machine: guest memory + tables, optional identity EPT. */
struct tu_env {
	msim_gmem *gmem, *hmem;
	struct tu_pt gpt, ept;
	msim_cpu_features cpu;
	msim_paging_regs regs;
	msim_nested nested;
	msim_hw_xlat x;
	msim_hw *hw;
	msim_cost_params cost;
};

#define TU_GUEST_TABLES 0x100000ULL
#define TU_EPT_TABLES 0x10000000000ULL

static inline void tu_env_init(struct tu_env *e, bool two_d, const char *preset)
{
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_nested n = MSIM_NESTED_INIT;

	memset(e, 0, sizeof(*e));
	cr_assert_eq(msim_gmem_create(&e->gmem, NULL), 0);
	cr_assert_eq(msim_gmem_create(&e->hmem, NULL), 0);
	tu_pt_init(&e->gpt, e->gmem, TU_GUEST_TABLES, false);
	tu_pt_init(&e->ept, e->hmem, TU_EPT_TABLES, true);
	e->cpu = cpu;
	e->regs = regs;
	e->regs.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	e->regs.cr4 = MSIM_CR4_PAE | MSIM_CR4_PGE;
	e->regs.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	e->regs.cr3 = TU_GUEST_TABLES;
	e->regs.cpl = 3;
	e->nested = n;
	e->nested.kind = MSIM_NESTED_EPT;
	e->nested.mem = e->hmem;
	e->nested.eptp = TU_EPT_TABLES | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
	e->x.mem = e->gmem;
	e->x.cpu = &e->cpu;
	e->x.regs = &e->regs;
	e->x.nested = two_d ? &e->nested : NULL;
	msim_hw_tag_from(&e->x.tag, &e->regs, two_d ? 1 : 0, e->x.nested);
	cr_assert_eq(msim_cost_preset(preset, &e->cost), 0);
	ho.cost = &e->cost;
	cr_assert_eq(msim_hw_create(&e->hw, &ho), 0, "%s", msim_last_error());
}

static inline void tu_env_free(struct tu_env *e)
{
	msim_hw_free(e->hw);
	msim_gmem_free(e->gmem);
	msim_gmem_free(e->hmem);
}

/* Map a guest page and (2D) identity-map every guest table page and the
 * data page in the EPT. */
static inline void tu_env_map(struct tu_env *e, uint64_t va, uint64_t gpa,
			      unsigned leaf, uint64_t flags)
{
	tu_map(&e->gpt, va, gpa, leaf, flags);
	for (uint64_t g = TU_GUEST_TABLES; g < e->gpt.next; g += 4096)
		tu_map(&e->ept, g, g, 1, TU_EPT_LEAF);
	tu_map(&e->ept, gpa, gpa, 1, TU_EPT_LEAF);
}

static inline msim_hw_result tu_access(struct tu_env *e, uint64_t va,
				       unsigned acc)
{
	msim_hw_result r;

	msim_hw_tag_from(&e->x.tag, &e->regs, e->x.tag.vpid, e->x.nested);
	cr_assert_eq(msim_hw_access(e->hw, &e->x, va, acc, &r), 0, "%s",
		     msim_last_error());
	return r;
}

/* Reference (uncached) translation of va: SDM Vol. 3A 4.10.4.3. */
static inline msim_walk_result *tu_reference(struct tu_env *e, uint64_t va,
					     unsigned acc)
{
	static msim_walk_result w;
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;

	o.reference = true;
	o.nested = e->x.nested;
	cr_assert_eq(msim_walk(e->gmem, &e->cpu, &e->regs, &o, va, acc, &w), 0);
	return &w;
}

static inline void tu_inv(struct tu_env *e, msim_inv_kind k, uint64_t a0,
			  uint64_t a1, uint64_t a2)
{
	msim_inv op = { k, { a0, a1, a2 } };

	msim_hw_tag_from(&e->x.tag, &e->regs, e->x.tag.vpid, e->x.nested);
	cr_assert_eq(msim_hw_invalidate(e->hw, &e->x.tag, &op, NULL), 0, "%s",
		     msim_last_error());
}

#endif
