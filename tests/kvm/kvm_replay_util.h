/*
 * A minimal event -> KVM-hook dispatcher for the KVM model's own tests and
 * bench (tests/test_kvm_gen.c, bench/kvm_replay.c). It skips the machine's
 * architectural checks (the traces here are generated, hence valid) and
 * lets the model walk guest memory itself.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_KVM_REPLAY_UTIL_H
#define MSIM_KVM_REPLAY_UTIL_H

#include "kvm/kvm_internal.h"

static inline int kvm_replay_event(msim_kvm *kvm, msim_gmem *mem,
				   const msim_event *e)
{
	msim_kvm_vcpu *v = msim_kvm_vcpu_get(kvm, e->vcpu);
	msim_kvm_access_res res;
	msim_kvm_vmentry en;

	if (!v)
		return MSIM_EINVAL;
	switch (e->type) {
	case MSIM_EV_WRMEM:
		msim_gmem_write(mem, e->arg[0], (unsigned)e->arg[2], e->arg[1]);
		msim_kvm_on_wrmem(kvm, e->arg[0], (unsigned)e->arg[2]);
		return 0;
	case MSIM_EV_SREGS:
		msim_kvm_on_sregs(v, e->arg[0], e->arg[1], e->arg[2], e->arg[3]);
		msim_kvm_before_entry(v);
		return 0;
	case MSIM_EV_CR0:
		msim_kvm_on_cr0(v, v->cr0, e->arg[0]);
		return 0;
	case MSIM_EV_CR3:
		msim_kvm_on_cr3(v, v->cr3, e->arg[0]);
		return 0;
	case MSIM_EV_CR4:
		msim_kvm_on_cr4(v, v->cr4, e->arg[0]);
		return 0;
	case MSIM_EV_EFER:
		msim_kvm_on_efer(v, v->efer, e->arg[0]);
		return 0;
	case MSIM_EV_ACCESS:
		return msim_kvm_access(v, e->arg[1], (unsigned)e->arg[0] |
				       (e->arg[2] == 3 ? MSIM_WACC_USER : 0),
				       NULL, &res);
	case MSIM_EV_INVLPG:
		msim_kvm_on_invlpg(v, e->arg[0]);
		return 0;
	case MSIM_EV_INVPCID:
		msim_kvm_on_invpcid(v, (unsigned)e->arg[0], e->arg[1], e->arg[2]);
		return 0;
	case MSIM_EV_INVEPT:
		msim_kvm_on_invept(v, (unsigned)e->arg[0], e->arg[1]);
		return 0;
	case MSIM_EV_INVVPID:
		msim_kvm_on_invvpid(v, (unsigned)e->arg[0], (uint16_t)e->arg[1],
				    e->arg[2]);
		return 0;
	case MSIM_EV_SMI:
		msim_kvm_on_smi(v);
		return 0;
	case MSIM_EV_RSM:
		msim_kvm_on_rsm(v);
		return 0;
	case MSIM_EV_INIT:
		msim_kvm_on_init(v);
		return 0;
	case MSIM_EV_CPUID:
		msim_kvm_on_cpuid(v);
		return 0;
	case MSIM_EV_MEMSLOT:
		msim_kvm_on_memslot(kvm, (unsigned)e->arg[0], e->arg[1], e->arg[2]);
		return 0;
	case MSIM_EV_VMENTRY:
		en = (msim_kvm_vmentry){ e->arg[0] != 0, e->arg[1], e->arg[2] != 0,
					 (uint16_t)e->arg[3], e->arg[5], e->arg[4],
					 e->arg[6], e->arg[7] };
		msim_kvm_on_vmentry(v, &en);
		return 0;
	case MSIM_EV_VMEXIT:
		msim_kvm_on_vmexit(v, e->arg[0]);
		return 0;
	default:
		return 0;
	}
}

#endif
