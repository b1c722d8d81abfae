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

#include "internal.h"
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
	/* never caches absence, so a hit always has a page */
	struct msim_gmem_slot cache[MSIM_GMEM_CACHE];
};

/*
 * Cache slot of a frame. Folding bits 15:8 into the index keeps frames
 * 1 MiB apart (a root at 1 MiB, its tables at 2 MiB: a common layout)
 * from evicting each other on every walk.
 */
static inline unsigned msim_gmem_cache_idx(uint64_t pfn)
{
	return (unsigned)((pfn ^ (pfn >> 8)) & (MSIM_GMEM_CACHE - 1));
}

/* Cache miss: hash lookup, fills the cache; NULL if never written. */
const uint8_t *msim_gmem_page_miss(const msim_gmem *m, uint64_t pfn);

/* msim_gmem_read64() with the cache hit inline. */
static inline uint64_t msim_gmem_read64_inl(const msim_gmem *m, uint64_t pa)
{
	const struct msim_gmem_slot *c =
		&m->cache[msim_gmem_cache_idx(pa >> 12)];
	const uint8_t *p;
	uint64_t v;

	if (msim_likely(c->pfn == pa >> 12)) {
		p = c->page;
	} else {
		p = msim_gmem_page_miss(m, pa >> 12);
		if (!p)
			return 0;
	}
	memcpy(&v, p + (pa & 0xff8), 8);
	return v;
}

#endif
