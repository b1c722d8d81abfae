/*
 * Page-table building helpers for the walker tests (test_walk*.c,
 * test_ept*.c, test_walk2d*.c). Tables are bump-allocated from `next`.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_WALK_FIXTURE_H
#define MSIM_WALK_FIXTURE_H

#include <criterion/criterion.h>

#include "mmu_sim/ept.h"

#define WT_P MSIM_PTE_P
#define WT_RW MSIM_PTE_RW
#define WT_US MSIM_PTE_US
#define WT_A MSIM_PTE_A
#define WT_D MSIM_PTE_D
#define WT_PS MSIM_PTE_PS
#define WT_XD MSIM_PTE_XD
#define WT_PRU (WT_P | WT_RW | WT_US)
#define WT_ADDR 0x000ffffffffff000ULL

struct wt {
	msim_gmem *mem;
	uint64_t next;
};

static inline void wt_init(struct wt *t, uint64_t pool)
{
	cr_assert_eq(msim_gmem_create(&t->mem, NULL), 0);
	t->next = pool;
}

static inline void wt_fini(struct wt *t)
{
	msim_gmem_free(t->mem);
}

static inline uint64_t wt_alloc(struct wt *t)
{
	uint64_t a = t->next;

	t->next += 4096;
	return a;
}

static inline uint64_t wt_r64(struct wt *t, uint64_t a)
{
	return msim_gmem_read64(t->mem, a);
}

static inline uint32_t wt_r32(struct wt *t, uint64_t a)
{
	return msim_gmem_read32(t->mem, a);
}

static inline void wt_w64(struct wt *t, uint64_t a, uint64_t v)
{
	cr_assert_eq(msim_gmem_write(t->mem, a, 8, v), 0);
}

static inline void wt_w32(struct wt *t, uint64_t a, uint32_t v)
{
	cr_assert_eq(msim_gmem_write(t->mem, a, 4, v), 0);
}

/*
 * Address of the level-`target` entry for `la` in a 64-bit-format
 * hierarchy whose top table (level `levels`) is at `root`. Missing tables
 * are created, pointed to with flags `upper`.
 */
static inline uint64_t wt_slot(struct wt *t, uint64_t root, unsigned levels,
			       uint64_t la, unsigned target, uint64_t upper)
{
	uint64_t table = root;

	for (unsigned l = levels;; l--) {
		uint64_t ea = table + ((la >> (12 + 9 * (l - 1))) & 511) * 8;
		uint64_t e;

		if (l == target)
			return ea;
		e = wt_r64(t, ea);
		if (!(e & WT_P)) {
			e = wt_alloc(t) | upper;
			wt_w64(t, ea, e);
		}
		table = e & WT_ADDR;
	}
}

/* Same for 32-bit paging (4-byte entries, 10-bit indices). */
static inline uint64_t wt_slot32(struct wt *t, uint64_t root, uint32_t la,
				 unsigned target, uint32_t upper)
{
	uint64_t pde = root + ((la >> 22) & 0x3ff) * 4;
	uint32_t e;

	if (target == 2)
		return pde;
	e = wt_r32(t, pde);
	if (!(e & WT_P)) {
		e = (uint32_t)wt_alloc(t) | upper;
		wt_w32(t, pde, e);
	}
	return (e & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4;
}

/* Map la -> pa with a leaf at `leaf_level` (1: 4K, 2: 2M, 3: 1G). */
static inline uint64_t wt_map(struct wt *t, uint64_t root, unsigned levels,
			      uint64_t la, uint64_t pa, unsigned leaf_level,
			      uint64_t leaf_flags, uint64_t upper)
{
	uint64_t ea = wt_slot(t, root, levels, la, leaf_level, upper);

	wt_w64(t, ea, pa | leaf_flags | (leaf_level > 1 ? WT_PS : 0));
	return ea;
}

/* Long-mode registers: PE|PG|WP, PAE, LME|LMA|NXE, CPL 0, 64-bit code. */
static inline msim_paging_regs wt_regs_lm(uint64_t cr3, bool la57)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | MSIM_CR0_WP;
	r.cr4 = MSIM_CR4_PAE | (la57 ? MSIM_CR4_LA57 : 0);
	r.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	r.cr3 = cr3;
	r.cs_l = true;
	return r;
}

#endif
