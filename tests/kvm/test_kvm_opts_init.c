/*
 * MSIM_KVM_OPTS_INIT and the "6.18-pvm" preset agree field by field, except
 * that the preset emulates ring 0 (cpl0_emulated), as its documentation says.
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>

#include "mmu_sim/kvm.h"

static void same(const msim_kvm_opts *a, const msim_kvm_opts *b, bool cpl0_differs)
{
	cr_assert_eq(a->kernel, b->kernel);
	cr_assert_eq(a->mmu, b->mmu);
	cr_assert_eq(a->policy, b->policy);
	cr_assert_eq(a->prev_roots, b->prev_roots);
	cr_assert_eq(a->zap_flush, b->zap_flush);
	cr_assert_eq(a->nested_flush, b->nested_flush);
	cr_assert_eq(a->vendor, b->vendor);
	cr_assert_eq(a->vpid, b->vpid);
	cr_assert_eq(a->vpid02, b->vpid02);
	cr_assert_eq(a->pae_free_early, b->pae_free_early);
	cr_assert_eq(a->flush_on_reuse, b->flush_on_reuse);
	cr_assert_eq(a->ept_ad, b->ept_ad);
	cr_assert_eq(a->tdp_level, b->tdp_level);
	cr_assert_eq(a->max_mmu_pages, b->max_mmu_pages);
	if (cpl0_differs)
		cr_assert_neq(a->cpl0_emulated, b->cpl0_emulated);
	else
		cr_assert_eq(a->cpl0_emulated, b->cpl0_emulated);
}

Test(kvm_opts_init, init_is_6_18_shadow_and_pvm_adds_cpl0_emulation)
{
	const msim_kvm_opts init = MSIM_KVM_OPTS_INIT;
	msim_kvm_opts pvm = MSIM_KVM_OPTS_INIT, plain = MSIM_KVM_OPTS_INIT;

	cr_assert_eq(init.kernel, 618);
	cr_assert_eq(init.mmu, MSIM_KVM_MMU_SHADOW);
	cr_assert(!init.cpl0_emulated);
	cr_assert_eq(msim_kvm_opts_parse(&pvm, "preset=6.18-pvm"), 0);
	cr_assert(pvm.cpl0_emulated);
	same(&init, &pvm, true);
	/* a policy string without preset= starts from INIT */
	cr_assert_eq(msim_kvm_opts_parse(&plain, "prev_roots=3"), 0);
	same(&init, &plain, false);
	/* and cpl0_emulated=1 on top of INIT is the preset */
	cr_assert_eq(msim_kvm_opts_parse(&plain, "cpl0_emulated=1"), 0);
	same(&pvm, &plain, false);
}
