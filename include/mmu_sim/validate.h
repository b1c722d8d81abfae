/*
 * mmu-sim: validation of the model against recorded behaviour.
 *
 * A recorded trace holds input events, each followed by `expect` lines
 * saying what real hardware or real KVM did (imported from ftrace by
 * `mmu-sim import`). Validation replays the inputs and, per input event,
 * matches every expectation line against what the machine observed
 * (msim_observation, same vocabulary). Within one input event the order of
 * lines of one kind is not significant; arguments absent from an expect
 * line match anything. Only kinds that occur in the trace are checked:
 * for those, an observation with no matching expectation is a divergence
 * too. Observations about gfns declared by `untracked` events (activity
 * the recording could not see) are ignored.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_VALIDATE_H
#define MMU_SIM_VALIDATE_H

#include <stdio.h>

#include "mmu_sim/machine.h"
#include "mmu_sim/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MSIM_VALIDATE_MAX_DIVERGENCES 64

typedef struct msim_validate_opts {
	msim_machine_opts machine;
	unsigned max_divergences; /**< how many to keep (<= MSIM_VALIDATE_MAX_DIVERGENCES) */
} msim_validate_opts;

#define MSIM_VALIDATE_OPTS_INIT { MSIM_MACHINE_OPTS_INIT, 10 }

typedef struct msim_validate_divergence {
	uint64_t line;      /**< trace line of the expectation, or of the input event */
	char text[480];     /**< "recorded ..., model ..." */
} msim_validate_divergence;

typedef struct msim_validate_report {
	bool checked[MSIM_EXP_COUNT_];   /**< kind occurs in the trace */
	uint64_t matched[MSIM_EXP_COUNT_];
	uint64_t total[MSIM_EXP_COUNT_]; /**< expectations + unmatched predictions */
	uint64_t events;                 /**< input events replayed */
	uint64_t divergences;            /**< all of them, kept or not */
	unsigned ndiv;                   /**< kept in div[] (the first ones) */
	msim_validate_divergence div[MSIM_VALIDATE_MAX_DIVERGENCES];
} msim_validate_report;

/**
 * Validate the trace at `path` (a file: it is read twice). Returns 0 when
 * the replay ran (whether or not everything matched: see
 * msim_validate_ok), or a negative error (malformed trace, ...).
 */
MSIM_API int msim_validate(const char *path, const msim_validate_opts *opts,
			   msim_validate_report *out);

/** True iff every checked expectation matched and nothing was extra. */
MSIM_API bool msim_validate_ok(const msim_validate_report *rep);

/** Print per-category matched/total and the first divergences. */
MSIM_API int msim_validate_write(const msim_validate_report *rep, FILE *f,
				 msim_format fmt);

#ifdef __cplusplus
}
#endif
#endif
