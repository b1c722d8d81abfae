/*
 * Internals of the cache hierarchy (cache.c), for the access fast path:
 * a level-0 hit remembered in the way memo is priced inline.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_CACHE_INTERNAL_H
#define MSIM_CACHE_INTERNAL_H

#include "base/internal.h"
#include "mmu_sim/cost.h"

struct msim_clevel {
	uint64_t *tag;   /* sets * ways; line number + 1, 0 = empty */
	uint64_t *stamp;
	uint64_t sets, set_mask; /* set_mask valid when sets is a power of 2 */
	unsigned ways, latency;
	bool pow2;
	bool hash; /* LLC: slice/set hash of the upper address bits */
};

/*
 * Where a line was found in the first level: while no line entered that
 * level (gen unchanged), it is still there, so a repeated hit needs no
 * set scan. Direct-mapped by line number.
 */
#define MSIM_CMEMO 64
struct msim_cmemo {
	uint64_t ln1;     /* line number + 1, 0 = empty */
	uint64_t gen;
	uint64_t *stamp;  /* the way's LRU stamp */
};

struct msim_cache {
	struct msim_clevel own[3];    /* levels this hierarchy allocated */
	struct msim_clevel *lv[3];    /* levels in lookup order (LLC may be shared) */
	unsigned nlv;
	unsigned line_shift;
	unsigned dram;
	uint64_t own_tick;
	uint64_t *tick;          /* LRU clock; the LLC owner's when shared */
	uint64_t gen;            /* bumped whenever a line enters level 0 */
	unsigned lat0;           /* level 0's latency */
	bool memo_ok;            /* level 0 is this hierarchy's own (not a
				  * shared LLC other vCPUs change) */
	struct msim_cmemo memo[MSIM_CMEMO];
};

/* Everything but a remembered level-0 hit; ln = line number. */
unsigned msim_cache_access_slow(msim_cache *c, uint64_t ln, bool from_l2,
				uint64_t tick, uint64_t *cycles);

/* msim_cache_access, with the remembered level-0 hit inline. */
static inline unsigned msim_cache_access_inline(msim_cache *c, uint64_t pa,
						bool from_l2, uint64_t *cycles)
{
	uint64_t ln = pa >> c->line_shift;
	uint64_t tick = ++*c->tick;
	const struct msim_cmemo *mo = &c->memo[ln % MSIM_CMEMO];

	if (msim_likely(mo->ln1 == ln + 1 && mo->gen == c->gen && !from_l2)) {
		*mo->stamp = tick;
		*cycles += c->lat0;
		return 1;
	}
	{
		/* a local, so the caller's sum never has its address taken */
		uint64_t slow = 0;
		unsigned lvl = msim_cache_access_slow(c, ln, from_l2, tick, &slow);

		*cycles += slow;
		return lvl;
	}
}

#endif
