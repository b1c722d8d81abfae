/*
 * Protection keys for supervisor pages (CR4.PKS, IA32_PKRS; SDM Vol. 3A
 * 4.6.2): write-disable applies to user-mode accesses always and to
 * supervisor-mode accesses only with CR0.WP=1, the same rule as PKRU. A
 * user-mode write to a supervisor page is denied by U/S anyway; the key's
 * verdict shows in the error code's PK bit (SDM Vol. 3A 4.7), which must not
 * depend on CR0.WP.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>

#include "mmu_sim/walk.h"

static msim_paging_regs long_mode(bool wp)
{
	msim_paging_regs r = MSIM_PAGING_REGS_INIT;

	r.cr0 = MSIM_CR0_PE | MSIM_CR0_PG | (wp ? MSIM_CR0_WP : 0);
	r.cr4 = MSIM_CR4_PAE | MSIM_CR4_PKS;
	r.efer = MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE;
	r.pkrs = 2u << (2 * 3); /* key 3: WD=1, AD=0 */
	return r;
}

Test(pks, user_write_to_supervisor_page_sets_pk_whatever_wp)
{
	msim_rights rt = { .rw = 1, .us = 0, .pk = 3 };

	for (int wp = 0; wp < 2; wp++) {
		msim_paging_regs r = long_mode(wp);

		r.cpl = 3;
		cr_assert_eq(msim_rights_check(&rt, &r, MSIM_WACC_WRITE | MSIM_WACC_USER),
			     0x27, "CR0.WP=%d", wp);
		/* reads are not write-disabled: only U/S denies */
		cr_assert_eq(msim_rights_check(&rt, &r, MSIM_WACC_USER), 0x5);
	}
}

Test(pks, supervisor_write_honours_wd_only_with_wp)
{
	msim_rights rt = { .rw = 1, .us = 0, .pk = 3 };
	msim_paging_regs r0 = long_mode(false), r1 = long_mode(true);

	cr_assert_eq(msim_rights_check(&rt, &r0, MSIM_WACC_WRITE), 0);
	cr_assert_eq(msim_rights_check(&rt, &r1, MSIM_WACC_WRITE), 0x23);
}
