/*
 * mmu-sim: the simulated machine.
 *
 * A machine is N vCPUs sharing guest memory, optionally running under a
 * model of KVM's MMU (shadow paging, legacy TDP or the TDP MMU, selected by
 * a policy string; see kvm.h). It consumes trace events in order
 * (msim_machine_event), keeps each vCPU's architectural state, drives the
 * walker, TLBs/PWCs, the KVM model and the cycle model, and accumulates
 * statistics. What it did is reported through an observer as
 * "observations" using the same vocabulary as trace expectation lines
 * (MSIM_EXP_*), which is what `mmu-sim validate` compares.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMU_SIM_MACHINE_H
#define MMU_SIM_MACHINE_H

#include "mmu_sim/common.h"
#include "mmu_sim/event.h"
#include "mmu_sim/stats.h"
#include "mmu_sim/walk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct msim_machine msim_machine;

/** The msim_machine_opts layout this header describes (see msim_machine_opts_init). */
#define MSIM_MACHINE_OPTS_VERSION 1

typedef struct msim_machine_opts {
	unsigned version;           /**< MSIM_MACHINE_OPTS_VERSION */
	unsigned nr_vcpus;          /**< 1..MSIM_MAX_VCPUS (a trace `machine` event may raise it) */
	msim_cpu_features features; /**< CPU model seen by the guest */
	const char *cost;           /**< cycle-model preset name (cost.h) */
	const char *cost_file;      /**< optional config file overriding parameters */
	const char *kvm;            /**< KVM policy string (kvm.h); NULL/"" = bare metal */
	uint64_t seed;              /**< seeds every random choice (replacement, ...) */
	uint64_t mem_limit;         /**< bytes of simulated memory the trace may touch */
} msim_machine_opts;

#define MSIM_MACHINE_OPTS_INIT                                                 \
	{ .version = MSIM_MACHINE_OPTS_VERSION, .nr_vcpus = 1,                 \
	  .features = MSIM_CPU_FEATURES_INIT, .cost = "skylake-sp",            \
	  .cost_file = NULL, .kvm = NULL, .seed = 1, .mem_limit = 4ULL << 30 }

/**
 * Fill *opts with the defaults of MSIM_MACHINE_OPTS_INIT for a caller built
 * against `version` (pass MSIM_MACHINE_OPTS_VERSION). Returns 0, or
 * MSIM_EINVAL when opts is NULL or this library does not know `version`;
 * lets a program built against an older header run on a newer library.
 */
MSIM_API int msim_machine_opts_init(msim_machine_opts *opts, unsigned version);

/** What one event did, for per-event output (`mmu-sim replay --verbose`). */
typedef struct msim_event_result {
	bool gp;             /**< a register write raised #GP (state unchanged) */
	const char *gp_why;  /**< static reason text when gp */
	bool translated;     /**< access: a translation was produced */
	uint64_t gpa;        /**< access: final guest-physical address */
	uint64_t page_size;  /**< access: page size */
	msim_fault fault;    /**< access: architectural fault (kind NONE if ok) */
	uint64_t cycles;     /**< cycles the event cost in the cycle model */
} msim_event_result;

/**
 * One thing the machine (or its KVM model) did, in the vocabulary of
 * expectation lines: kind is an msim_expect_kind and arg[] holds the
 * kind's arguments in msim_expect_spec_get(kind) order.
 */
typedef struct msim_observation {
	unsigned kind;
	uint32_t vcpu;
	uint64_t arg[MSIM_EV_MAX_ARGS - 1];
} msim_observation;

typedef void (*msim_observer_fn)(void *ctx, const msim_observation *obs);

/** Create a machine. opts may be NULL for defaults. */
MSIM_API int msim_machine_create(msim_machine **out,
				 const msim_machine_opts *opts);

/** Free a machine (NULL is fine). */
MSIM_API void msim_machine_free(msim_machine *m);

/**
 * Apply one event. `res` may be NULL. Returns 0 when the event was applied
 * (including events that architecturally fault: see res->gp / res->fault),
 * or a negative error for events the machine cannot accept (vCPU out of
 * range, `machine` after other events, feature not modelled...), with a
 * message naming the event's line.
 */
MSIM_API int msim_machine_event(msim_machine *m, const msim_event *ev,
				msim_event_result *res);

/**
 * Apply ev[0..n) in order: the same as msim_machine_event on each without
 * per-event results, but faster on runs of accesses that hit the TLB
 * (their counters are added once per run). Returns 0 when all were
 * applied, or the first event's error; *done (may be NULL) is the number
 * of events applied, i.e. the index of the failing event on error.
 */
MSIM_API int msim_machine_events(msim_machine *m, const msim_event *ev,
				 size_t n, size_t *done);

/** Install an observer (NULL to remove). Observations are synchronous. */
MSIM_API void msim_machine_set_observer(msim_machine *m, msim_observer_fn fn,
					void *ctx);

/**
 * The machine's statistics (owned by the machine). Derived counters
 * (cycles.total = the sum of every other cycles.* counter) are brought up
 * to date by this call.
 */
MSIM_API msim_stats *msim_machine_stats(msim_machine *m);

/** Architectural registers of vCPU `vcpu` (NULL if out of range). */
MSIM_API const msim_paging_regs *msim_machine_regs(const msim_machine *m,
						   unsigned vcpu);

/** Guest-physical memory of the machine. */
MSIM_API msim_gmem *msim_machine_memory(msim_machine *m);

/** Number of vCPUs. */
MSIM_API unsigned msim_machine_nr_vcpus(const msim_machine *m);

#ifdef __cplusplus
}
#endif
#endif
