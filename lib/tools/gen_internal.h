/* Workload generator registry (internal). SPDX-License-Identifier: MIT */
#ifndef MSIM_GEN_INTERNAL_H
#define MSIM_GEN_INTERNAL_H

#include "mmu_sim/gen.h"
#include "base/params.h"
#include "base/rng.h"

struct msim_gen_workload {
	const char *name;
	const char *help; /* params, defaults, what real behaviour it models */
	int (*run)(const msim_gen_opts *opts, msim_trace_writer *w);
};

/* Each generator file defines its table; gen.c concatenates them. */
extern const struct msim_gen_workload msim_gen_chase_workloads[];
extern const struct msim_gen_workload msim_gen_kvm_workloads[];

#endif
