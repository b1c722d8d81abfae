/*
 * mmu-sim: sparse simulated physical memory.
 *
 * Holds guest-physical memory (page tables written by trace `wrmem`
 * events, A/D updates made by the walker) and, for nested setups, the
 * memory holding EPT/NPT tables. Unwritten memory reads as zero.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_GMEM_H
#define MMU_SIM_GMEM_H

#include "mmu_sim/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msim_gmem msim_gmem;

typedef struct msim_gmem_opts {
	uint64_t max_bytes; /**< cap on backing pages allocated (default 4 GiB) */
} msim_gmem_opts;

#define MSIM_GMEM_OPTS_INIT { 4ULL << 30 }

/** Create an empty memory. opts may be NULL for defaults. */
MSIM_API int msim_gmem_create(msim_gmem **out, const msim_gmem_opts *opts);

/** Free a memory created by msim_gmem_create (NULL is fine). */
MSIM_API void msim_gmem_free(msim_gmem *mem);

/**
 * Read `size` (1, 2, 4 or 8) bytes at `pa`, little endian, into *val.
 * The access must not cross a 4 KiB boundary (-MSIM_EINVAL otherwise).
 */
MSIM_API int msim_gmem_read(const msim_gmem *mem, uint64_t pa, unsigned size,
			    uint64_t *val);

/** Write `size` (1, 2, 4 or 8) bytes at `pa`. -MSIM_ERANGE past max_bytes. */
MSIM_API int msim_gmem_write(msim_gmem *mem, uint64_t pa, unsigned size,
			     uint64_t val);

/** Fast 8-byte read of an 8-byte aligned address (0 if never written). */
MSIM_API uint64_t msim_gmem_read64(const msim_gmem *mem, uint64_t pa);

/** Fast 4-byte read of a 4-byte aligned address (0 if never written). */
MSIM_API uint32_t msim_gmem_read32(const msim_gmem *mem, uint64_t pa);

/** Number of 4 KiB pages backed so far. */
MSIM_API uint64_t msim_gmem_pages(const msim_gmem *mem);

/** Drop all contents (memory reads as zero again). */
MSIM_API void msim_gmem_clear(msim_gmem *mem);

#ifdef __cplusplus
}
#endif
#endif
