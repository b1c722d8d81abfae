/*
 * mmu-sim: process-switch patterns from a scheduler trace.
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_SCHED_H
#define MMU_SIM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu_sim/common.h"
#include "mmu_sim/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The msim_sched_opts layout this header describes. */
#define MSIM_SCHED_OPTS_VERSION 1

/** How a sched_switch recording becomes a trace. */
typedef struct msim_sched_opts {
	unsigned version; /**< MSIM_SCHED_OPTS_VERSION */
	int cpu;          /**< the CPU whose switches to replay; -1: the busiest */
	bool pti;         /**< each switch returns to a user CR3 (KPTI) */
	bool pcid;        /**< CR3 carries a PCID per process (no-flush once live) */
	unsigned ws;      /**< user pages each process reads after a switch */
	uint64_t seed;    /**< recorded in the trace (the pattern is not random) */
} msim_sched_opts;

#define MSIM_SCHED_OPTS_INIT                                                   \
	{ .version = MSIM_SCHED_OPTS_VERSION, .cpu = -1, .pti = false,         \
	  .pcid = false, .ws = 8, .seed = 1 }

/** What msim_sched_import found. */
typedef struct msim_sched_info {
	uint64_t lines;        /**< lines read */
	uint64_t switches;     /**< sched_switch events, all CPUs */
	uint64_t cpu_switches; /**< sched_switch events on the chosen CPU */
	uint64_t mm_switches;  /**< of these, switches to another address space */
	unsigned cpus;         /**< CPUs seen */
	unsigned cpu;          /**< the CPU replayed */
	unsigned procs;        /**< distinct user address spaces on that CPU */
} msim_sched_info;

/**
 * Fill *opts with MSIM_SCHED_OPTS_INIT for a caller built against
 * `version`. Returns 0, or MSIM_EINVAL for NULL or an unknown version.
 */
MSIM_API int msim_sched_opts_init(msim_sched_opts *opts, unsigned version);

/**
 * Read the sched:sched_switch events of `path` (the text of tracefs's
 * `trace` file, or `trace-cmd report` output; other lines are skipped) and
 * write to `w` the process-switch workload of `mmu-sim gen procs` driven
 * by the recorded sequence of one CPU: each user process is an address
 * space, a switch to a different one is a MOV CR3. The idle task (pid 0)
 * and kernel threads (by name: kworker/, ksoftirqd/, rcu_, migration/ ...)
 * borrow the previous address space, as Linux's lazy TLB mode does, so
 * they switch nothing. Each pid is its own address space (a thread's
 * group is not in the event). Returns 0, MSIM_EPARSE with
 * "file:line: reason" for a malformed sched_switch line, MSIM_EINVAL when
 * the file has no sched_switch event (the message says how to record
 * one), MSIM_ERANGE above 4096 processes.
 */
MSIM_API int msim_sched_import(const char *path, const msim_sched_opts *opts,
			       msim_trace_writer *w, msim_sched_info *info);

#ifdef __cplusplus
}
#endif
#endif
