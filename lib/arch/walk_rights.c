/*
 * Guest access-rights check at use time (SDM Vol. 3A 4.6.1 decision table, SDM Vol. 3A 4.6.2): the
 * walker calls it after a complete valid walk, and the TLB model calls it
 * with cached rights on every hit. The rule body is msim_rights_eval()
 * in walk_internal.h so the walker can inline it.
 * SPDX-License-Identifier: MIT
 */
#include "arch/walk_internal.h"

uint32_t msim_rights_check(const msim_rights *r, const msim_paging_regs *regs,
			   unsigned acc)
{
	return msim_rights_eval(r, regs, acc);
}
