/*
 * The counter store behind msim_stats, for the library's hot paths: a
 * counter bump is one add, not a call. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_STATS_INTERNAL_H
#define MSIM_STATS_INTERNAL_H

#include "mmu_sim/stats.h"

struct msim_stats {
	uint64_t *val;
	char **name;
	char **desc;
	unsigned n, cap;
};

/* msim_stats_add for an index this library registered itself. */
static inline void msim_stats_inc(msim_stats *s, int idx, uint64_t v)
{
	s->val[idx] += v;
}

#endif
