/*
 * What an `access` event asks of the hardware (event.h): MSIM_WACC_*
 * flags from its kind, CPL and implicit arguments, and the CPL and
 * RFLAGS.AC it runs with. Shared by the machine's access path and the
 * hardware's run of remembered hits.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_ACCESS_EVENT_H
#define MSIM_ACCESS_EVENT_H

#include "mmu_sim/event.h"
#include "mmu_sim/walk.h"

/* arg[0] kind, arg[1] la, arg[2] cpl, arg[3] ac, arg[4] implicit */
static inline unsigned msim_access_flags(const msim_event *ev)
{
	/* by table: kinds are mixed in real traces (no branch to mispredict) */
	static const unsigned char kind[4] = { 0, MSIM_WACC_WRITE, MSIM_WACC_FETCH, 0 };
	unsigned acc = ev->arg[0] < 3 ? kind[ev->arg[0]] : 0;

	if (ev->arg[4])
		return acc | MSIM_WACC_IMPLICIT;
	return acc | (ev->arg[2] == 3) * MSIM_WACC_USER;
}

/* The mode the access runs in: CPL and RFLAGS.AC from its arguments. */
static inline void msim_access_set_mode(msim_paging_regs *regs,
					const msim_event *ev)
{
	regs->cpl = (uint8_t)ev->arg[2];
	if (ev->arg[3])
		regs->rflags |= MSIM_RFLAGS_AC;
	else
		regs->rflags &= ~MSIM_RFLAGS_AC;
}

#endif
