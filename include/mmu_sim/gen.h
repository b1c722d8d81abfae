/*
 * mmu-sim: synthetic workload generators (`mmu-sim gen`).
 *
 * Each workload writes a self-contained trace (page tables included as
 * wrmem events) modelling one real guest behaviour; the same name, params
 * and seed always give the same trace.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_GEN_H
#define MMU_SIM_GEN_H

#include "mmu_sim/common.h"
#include "mmu_sim/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The msim_gen_opts layout this header describes (see msim_gen_opts_init). */
#define MSIM_GEN_OPTS_VERSION 1

typedef struct msim_gen_opts {
	unsigned version;   /**< MSIM_GEN_OPTS_VERSION */
	uint64_t seed;      /**< PRNG seed */
	const char *params; /**< workload parameters "key=value,key=value" */
} msim_gen_opts;

#define MSIM_GEN_OPTS_INIT                                                     \
	{ .version = MSIM_GEN_OPTS_VERSION, .seed = 1, .params = NULL }

/**
 * Fill *opts with the defaults of MSIM_GEN_OPTS_INIT for a caller built
 * against `version` (pass MSIM_GEN_OPTS_VERSION). Returns 0, or
 * MSIM_EINVAL when opts is NULL or `version` is unknown to this library.
 */
MSIM_API int msim_gen_opts_init(msim_gen_opts *opts, unsigned version);

/**
 * Generate workload `name` into `w`. Unknown names give MSIM_ENOENT,
 * bad params MSIM_EINVAL (the message names the parameter).
 */
MSIM_API int msim_gen(const char *name, const msim_gen_opts *opts,
		      msim_trace_writer *w);

/** NULL-terminated list of workload names. */
MSIM_API const char *const *msim_gen_workloads(void);

/** Multi-line help for workload `name` (its params and defaults), or NULL. */
MSIM_API const char *msim_gen_help(const char *name);

/**
 * The generators' deterministic PRNG (splitmix64): advances *state and
 * returns the next 64-bit value. Tools that build their own workloads (the
 * recorder's random scenario) draw from it so a seed means the same stream
 * everywhere.
 */
MSIM_API uint64_t msim_gen_rng_next(uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif
