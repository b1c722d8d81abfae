/*
 * Built-in recording scenarios: each appends input events (the actions
 * the guest executes) to a list. Internal to the CLI.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_VMM_SCEN_H
#define MSIM_VMM_SCEN_H

#include <stddef.h>
#include <stdint.h>

#include "mmu_sim/event.h"

/* One step: an input event, or (comment != NULL) a comment marker. */
typedef struct msim_vmm_step {
	msim_event ev;
	char comment[96];
} msim_vmm_step;

typedef struct msim_vmm_script {
	msim_vmm_step *step;
	size_t n, cap;
	int oom;
} msim_vmm_script;

typedef struct msim_vmm_scenario {
	const char *name;
	const char *help;
	void (*build)(msim_vmm_script *s, uint64_t seed);
} msim_vmm_scenario;

/* NULL-terminated table of built-in scenarios. */
extern const msim_vmm_scenario msim_vmm_scenarios[];

/* Append helpers (set s->oom on allocation failure). */
void msim_vmm_script_add(msim_vmm_script *s, const msim_event *ev);
void msim_vmm_script_free(msim_vmm_script *s);

#endif
