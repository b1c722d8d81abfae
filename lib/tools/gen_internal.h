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

/* A process-switch workload (gen procs, gen latctx, import-sched). */
struct msim_gen_procs_cfg {
	unsigned procs;      /* address spaces, 1..MSIM_GEN_PROCS_MAX */
	bool pti, pcid;      /* KPTI user/kernel CR3 pairs; PCIDs (no-flush once live) */
	unsigned ws;         /* user pages read after each switch */
	unsigned kws;        /* kernel pages touched per switch (0 = 1) */
	bool syscall_entry;  /* the switch follows the running process's
			      * kernel entry (its kernel CR3 under PTI) */
	const uint32_t *seq; /* process of switch s, or NULL: round-robin */
	uint64_t switches;
};

/*
 * procs address spaces (a kernel PML4 each sharing the kernel half, plus a
 * user PML4 under PTI), then `switches` switches, each a MOV CR3 (with the
 * PCID and, once live, no-flush), kernel reads, the PTI return to the user
 * CR3 and ws user reads.
 */
int msim_gen_procs_run(msim_trace_writer *w, uint64_t seed, const char *title,
		       const struct msim_gen_procs_cfg *c);

/* Each generator file defines its table; gen.c concatenates them. */
extern const struct msim_gen_workload msim_gen_chase_workloads[];
extern const struct msim_gen_workload msim_gen_kvm_workloads[];

#endif
