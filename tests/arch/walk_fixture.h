/*
 * Page-table building helpers for the walker tests (test_walk*.c,
 * test_ept*.c, test_walk2d*.c). Tables are bump-allocated from `next`.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_WALK_FIXTURE_H
#define MSIM_WALK_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "mmu_sim/ept.h"
#include "base/internal.h"

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

/* ---- 2D fixtures: guest memory (gpa-indexed) + host memory (tables) */

#define W2_HOFF 0x100000000ULL /* hpa = gpa + 4 GiB for mapped pages */
#define W2_EPT_RWX 7ULL
#define W2_EPT_WB (6ULL << 3)

struct w2 {
	struct wt g;        /* guest memory and guest table pool */
	struct wt h;        /* host memory and EPT/NPT table pool */
	uint64_t groot;     /* guest CR3 */
	uint64_t nroot;     /* EPT PML4/PML5 or nCR3 */
	unsigned nlevels;
	msim_nested n;
	msim_cpu_features cpu;
	msim_walk_result res;
};

static inline void w2_init(struct w2 *w, msim_nested_kind kind,
			   unsigned nlevels)
{
	msim_cpu_features c = MSIM_CPU_FEATURES_INIT;
	msim_nested n = MSIM_NESTED_INIT;

	memset(w, 0, sizeof(*w));
	w->cpu = c;
	w->cpu.la57 = true;
	w->cpu.ept_5level = true;
	wt_init(&w->g, 0x200000);
	wt_init(&w->h, 0x10000000);
	w->groot = 0x100000;
	w->nroot = wt_alloc(&w->h);
	w->nlevels = nlevels;
	n.kind = kind;
	n.mem = w->h.mem;
	n.eptp = w->nroot | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(nlevels);
	n.ncr3 = w->nroot;
	n.host_cr4 = MSIM_CR4_PAE | (nlevels == 5 ? MSIM_CR4_LA57 : 0);
	n.host_efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	w->n = n;
}

static inline void w2_fini(struct w2 *w)
{
	wt_fini(&w->g);
	wt_fini(&w->h);
}

/*
 * Map guest-physical page `gpa` (aligned to the leaf size) to gpa+W2_HOFF
 * in the second level with leaf at `leaf_level`. `perm`: EPT R/W/X(/XU)
 * bits, or NPT P/RW/US/XD bits. Returns the leaf entry's hpa.
 */
static inline uint64_t w2_nmap(struct w2 *w, uint64_t gpa, unsigned leaf_level,
			       uint64_t perm)
{
	bool ept = w->n.kind == MSIM_NESTED_EPT;
	uint64_t upper = ept ? W2_EPT_RWX : WT_PRU;
	uint64_t leaf = ept ? (perm | W2_EPT_WB) : perm;

	return wt_map(&w->h, w->nroot, w->nlevels, gpa, gpa + W2_HOFF,
		      leaf_level, leaf, upper);
}

/* Map every 4K guest page in [start, end) with full rights. */
static inline void w2_nmap_range(struct w2 *w, uint64_t start, uint64_t end)
{
	uint64_t all = w->n.kind == MSIM_NESTED_EPT ? W2_EPT_RWX : WT_PRU;

	for (uint64_t a = start; a < end; a += 4096)
		w2_nmap(w, a, 1, all);
}

#endif
