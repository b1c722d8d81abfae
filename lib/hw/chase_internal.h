/*
 * Pointer-chase layout shared by `mmu-sim gen chase` (gen_chase.c) and the
 * calibration predictor (calib.c), so both describe the same memory:
 * the probe's layout (bench/probe.c) with guest-physical frames scattered
 * like a real allocator's.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_CHASE_INTERNAL_H
#define MSIM_CHASE_INTERNAL_H

#include "base/internal.h"
#include "mmu_sim/cost.h"

#define MSIM_CHASE_VA_BASE 0x00007f4000000000ULL /* 1 GiB aligned */
#define MSIM_CHASE_TABLE_GPA 0x01000000ULL       /* guest page tables */
#define MSIM_CHASE_DATA_GPA 0x40000000ULL        /* data frames from 1 GiB */

/* Leaf / non-leaf guest entry flags: present, writable, user, A (and D). */
#define MSIM_CHASE_NONLEAF 0x27ULL
#define MSIM_CHASE_LEAF 0x67ULL

/* Called for every guest page-table entry written (gpa, value). */
typedef int (*msim_chase_wr_fn)(void *ctx, uint64_t gpa, uint64_t val);

/*
 * Emit the 4-level guest page tables mapping every chase page (4K PTEs or
 * 2M PDEs) and return CR3 in *cr3 and the end of the table area in
 * *table_end. Also reports each data frame gpa through `data` if non-NULL.
 */
int msim_chase_tables(const msim_chase_opts *o, msim_chase_wr_fn wr,
		      void *ctx, uint64_t *cr3, uint64_t *table_end);

/* Guest-physical base of chase page `page` (scattered frames). */
uint64_t msim_chase_gpa(const msim_chase_opts *o, uint64_t page);

/* Parse "pages=..,order=..,pagesize=..,accesses=.." (gen params). */
int msim_chase_parse(const char *params, msim_chase_opts *o);

#endif
