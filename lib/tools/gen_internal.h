/* Workload generator registry (internal). SPDX-License-Identifier: MIT */
#ifndef MSIM_GEN_INTERNAL_H
#define MSIM_GEN_INTERNAL_H

#include "mmu_sim/gen.h"

struct msim_gen_workload {
	const char *name;
	const char *help; /* params, defaults, what real behaviour it models */
	int (*run)(const msim_gen_opts *opts, msim_trace_writer *w);
};

/*
 * Parameter helper: find key in "k=v,k=v" and parse a u64 (decimal/0x).
 * Returns 0 and leaves *val unchanged if absent, MSIM_EINVAL if malformed
 * or above max. Unknown keys are rejected by msim_gen_check_keys().
 */
int msim_gen_param_u64(const char *params, const char *key, uint64_t max,
		       uint64_t *val);
int msim_gen_check_keys(const char *params, const char *const *known);

/* Deterministic PRNG (splitmix64); never use rand(). */
static inline uint64_t msim_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Each generator file defines its table; gen.c concatenates them. */
extern const struct msim_gen_workload msim_gen_chase_workloads[];
extern const struct msim_gen_workload msim_gen_kvm_workloads[];

#endif
