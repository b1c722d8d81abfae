/*
 * mmu-sim: the replay engine.
 *
 * Streams a trace file (text or binary) through a machine, event by event,
 * in bounded memory. Errors from the trace or from the machine come back
 * as "file:line: reason".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_REPLAY_H
#define MMU_SIM_REPLAY_H

#include "mmu_sim/machine.h"
#include "mmu_sim/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Called every `progress_every` events and once at the end. */
typedef void (*msim_progress_fn)(void *ctx, uint64_t bytes_done,
				 uint64_t bytes_total, uint64_t events);

/** Called after each event with what it did (per-event output). */
typedef void (*msim_event_fn)(void *ctx, const msim_event *ev,
			      const msim_event_result *res);

/** The msim_replay_opts layout this header describes (see msim_replay_opts_init). */
#define MSIM_REPLAY_OPTS_VERSION 1

typedef struct msim_replay_opts {
	unsigned version;          /**< MSIM_REPLAY_OPTS_VERSION */
	msim_machine_opts machine;
	msim_progress_fn progress;
	void *progress_ctx;
	uint64_t progress_every;   /**< events between progress calls */
	msim_event_fn on_event;
	void *event_ctx;
	msim_observer_fn observer; /**< installed on the machine */
	void *observer_ctx;
	uint64_t max_events;       /**< stop after this many events (0: all) */
} msim_replay_opts;

#define MSIM_REPLAY_OPTS_INIT                                                  \
	{ .version = MSIM_REPLAY_OPTS_VERSION, .machine = MSIM_MACHINE_OPTS_INIT,  \
	  .progress = NULL, .progress_ctx = NULL, .progress_every = 1u << 16,   \
	  .on_event = NULL, .event_ctx = NULL, .observer = NULL,               \
	  .observer_ctx = NULL, .max_events = 0 }

/**
 * Fill *opts with the defaults of MSIM_REPLAY_OPTS_INIT (its machine
 * options included) for a caller built against `version` (pass
 * MSIM_REPLAY_OPTS_VERSION). Returns 0, or MSIM_EINVAL when opts is NULL
 * or `version` is unknown to this library.
 */
MSIM_API int msim_replay_opts_init(msim_replay_opts *opts, unsigned version);

/**
 * Replay the trace at `path` ("-" = stdin) on a new machine built from
 * opts->machine. On success *out receives the machine (free it with
 * msim_machine_free) for its statistics and final state. On failure no
 * machine is returned and msim_last_error() reads "file:line: reason".
 */
MSIM_API int msim_replay(const char *path, const msim_replay_opts *opts,
			 msim_machine **out);

/**
 * Replay from an already open reader (events only; the reader is not
 * closed). `name` prefixes error messages.
 */
MSIM_API int msim_replay_reader(msim_trace_reader *r, const char *name,
				const msim_replay_opts *opts,
				msim_machine **out);

#ifdef __cplusplus
}
#endif
#endif
