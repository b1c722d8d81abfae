/*
 * mmu-sim: statistics.
 *
 * A statistics set is an ordered list of named 64-bit counters. Modules
 * register their counters once (msim_stats_register) and then bump them
 * through the returned index, so the hot path is one add. Names are
 * dotted ("tlb.l1d.hit", "kvm.root.cache_hit.0"); counters whose name
 * starts with "cycles." are cycle accumulators and are reported as a
 * breakdown of total cycles by cause. Output order is registration
 * order, so the same run always prints the same bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_STATS_H
#define MMU_SIM_STATS_H

#include <stdio.h>

#include "mmu_sim/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msim_stats msim_stats;

/** Output formats for msim_stats_write / comparisons. */
typedef enum msim_format {
	MSIM_FORMAT_TABLE = 0, /**< aligned human-readable table */
	MSIM_FORMAT_CSV = 1,   /**< name,value with a header line */
	MSIM_FORMAT_JSON = 2,  /**< {"name": value, ...} */
} msim_format;

/** Create an empty statistics set. */
MSIM_API int msim_stats_create(msim_stats **out);

/** Free a set (NULL is fine). */
MSIM_API void msim_stats_free(msim_stats *s);

/**
 * Register counter `name` (copied) with a one-line description and return
 * its index (>= 0), or a negative error. Registering an existing name
 * returns the existing index.
 */
MSIM_API int msim_stats_register(msim_stats *s, const char *name,
				 const char *desc);

/** Add `v` to counter `idx`. */
MSIM_API void msim_stats_add(msim_stats *s, int idx, uint64_t v);

/** Value of counter `idx`. */
MSIM_API uint64_t msim_stats_value(const msim_stats *s, int idx);

/** Look a counter up by name; MSIM_ENOENT if absent. */
MSIM_API int msim_stats_find(const msim_stats *s, const char *name);

/** Value of counter `name`, or 0 if it does not exist. */
MSIM_API uint64_t msim_stats_get(const msim_stats *s, const char *name);

/** Number of registered counters. */
MSIM_API unsigned msim_stats_count(const msim_stats *s);

/** Name, description of counter idx (NULL if out of range). */
MSIM_API const char *msim_stats_name(const msim_stats *s, unsigned idx);
MSIM_API const char *msim_stats_desc(const msim_stats *s, unsigned idx);

/** Zero every counter. */
MSIM_API void msim_stats_reset(msim_stats *s);

/**
 * Write the set to `f`. Counters that are zero are omitted from the table
 * form (kept in CSV/JSON so columns are stable). MSIM_EIO on write error.
 */
MSIM_API int msim_stats_write(const msim_stats *s, FILE *f, msim_format fmt);

/**
 * Write several sets side by side (`n` columns titled `titles`, e.g. one
 * per policy) with a ratio column of each set against the first.
 */
MSIM_API int msim_stats_write_compare(const msim_stats *const *sets,
				      const char *const *titles, unsigned n,
				      FILE *f, msim_format fmt);

#ifdef __cplusplus
}
#endif
#endif
