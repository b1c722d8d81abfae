/* Workload generator registry (internal). SPDX-License-Identifier: MIT */
#ifndef MSIM_GEN_INTERNAL_H
#define MSIM_GEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu_sim/gen.h"
#include "base/params.h"
#include "base/rng.h"

struct msim_gen_workload {
	const char *name;
	const char *help; /* params, defaults, what real behaviour it models */
	int (*run)(const msim_gen_opts *opts, msim_trace_writer *w);
};

/* Most processes a process-switch workload may have. */
#define MSIM_GEN_PROCS_MAX 4096

/*
 * The process-switch workload of `gen procs`: procs address spaces (a
 * kernel PML4 each sharing the kernel half, plus a user PML4 under PTI),
 * then `switches` switches to process seq[s] (round-robin when seq is
 * NULL), each a MOV CR3 (with the PCID and, once live, no-flush), a kernel
 * read, the PTI return to the user CR3 and ws user reads.
 */
int msim_gen_procs_run(msim_trace_writer *w, uint64_t seed, const char *title,
		       unsigned procs, bool pti, bool pcid, unsigned ws,
		       const uint32_t *seq, uint64_t switches);

/* Each generator file defines its table; gen.c concatenates them. */
extern const struct msim_gen_workload msim_gen_chase_workloads[];
extern const struct msim_gen_workload msim_gen_kvm_workloads[];

#endif
