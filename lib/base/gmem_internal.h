/*
 * gmem internals shared with the walker: the frame-cache layout, so a
 * cache hit (every entry read of a walk over a warm table set) is a few
 * inline instructions instead of a call that also forces the walk loop
 * to spill its state.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_GMEM_INTERNAL_H
#define MSIM_GMEM_INTERNAL_H

#include <string.h>

#include "base/internal.h"
#include "mmu_sim/gmem.h"

#define MSIM_GMEM_CACHE 256 /* direct-mapped frame cache entries (power of two) */

struct msim_gmem_slot {
	uint64_t pfn;
	uint8_t *page;
};

struct msim_gmem {
	struct msim_gmem_slot *slots;
	uint64_t cap;   /* power of two */
	uint64_t used;
	uint64_t max_pages;
	/*
	 * Frame cache as two arrays: a walk's entry reads form one dependent
	 * chain, and a scaled-index load of the page pointer is one step
	 * shorter than index*16 + base. Never caches absence, so a hit
	 * always has a page.
	 */
	uint64_t cache_pfn[MSIM_GMEM_CACHE];
	uint8_t *cache_page[MSIM_GMEM_CACHE];
};

/*
 * Cache slot of the frame holding `pa`. Folding bits 15:8 of the frame
 * number into the index keeps frames 1 MiB apart (a root at 1 MiB, its
 * tables at 2 MiB: a common layout) from evicting each other on every
 * walk; both shifts start from `pa` so they run in parallel.
 */
static inline MSIM_ALWAYS_INLINE unsigned msim_gmem_cache_idx_pa(uint64_t pa)
{
	return (unsigned)(((pa >> 12) ^ (pa >> 20)) & (MSIM_GMEM_CACHE - 1));
}

static inline unsigned msim_gmem_cache_idx(uint64_t pfn)
{
	return msim_gmem_cache_idx_pa(pfn << 12);
}

/* msim_gmem_read64() with the cache hit inline (a miss takes the call). */
static inline MSIM_ALWAYS_INLINE uint64_t
msim_gmem_read64_inl(const msim_gmem *m, uint64_t pa)
{
	unsigned c = msim_gmem_cache_idx_pa(pa);
	uint64_t v;

	if (msim_likely(m->cache_pfn[c] == pa >> 12)) {
		memcpy(&v, m->cache_page[c] + (pa & 0xff8), 8);
		return v;
	}
	return msim_gmem_read64(m, pa);
}

#endif
