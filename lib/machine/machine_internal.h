/*
 * The machine's internal state, shared by machine.c and the modules it
 * drives (hw.c, kvm*.c). Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_MACHINE_INTERNAL_H
#define MSIM_MACHINE_INTERNAL_H

#include "mmu_sim/cost.h"
#include "mmu_sim/ept.h"
#include "mmu_sim/kvm.h"
#include "mmu_sim/machine.h"
#include "hw/hw.h"
#include "kvm/kvm_hooks.h"

/* What a vCPU saved on SMI, restored by RSM. */
struct msim_smm_state {
	bool active;
	msim_paging_regs saved;
};

/* Nested VMX as the machine sees it; the vmcs12 controls live in the KVM model. */
struct msim_nested_state {
	bool guest_mode;       /* L2 is running */
	msim_paging_regs l1;   /* L1 state saved at entry, restored at exit */
};

struct msim_vcpu {
	unsigned id;
	msim_paging_regs regs;
	struct msim_smm_state smm;
	struct msim_nested_state nested;
	msim_kvm_vcpu *kvm;    /* KVM model's view of this vCPU (NULL: bare metal) */
	msim_hw *hw;           /* TLBs, PSCs, caches of this logical CPU */
	/* bare metal: the translation context, rebuilt only when an event
	 * other than an access may have changed it (bare_gen != m->gen);
	 * rebuilding it per access costs more than the TLB hit itself */
	uint64_t bare_gen;
	msim_hw_xlat bare_x;
	msim_nested bare_n;
};

struct msim_machine {
	msim_machine_opts opts;
	bool started;          /* first non-`machine` event seen */
	uint64_t gen;          /* bumped by every event that may change state
				* a vCPU's cached translation context depends on */
	unsigned nr_vcpus;
	struct msim_vcpu *vcpus;
	msim_gmem *mem;        /* guest-physical memory */
	msim_stats *stats;
	msim_observer_fn observer;
	void *observer_ctx;
	msim_cost_params cost; /* cycle model of the CPU */
	msim_kvm *kvm;         /* per-VM KVM model (NULL: bare metal) */
	msim_kvm_opts kvm_opts;
	bool tdp;              /* KVM uses EPT/NPT: hardware walks are 2D */
	/* bare metal with a "-2d" preset: an identity EPT in host memory */
	msim_gmem *host_mem;
	uint64_t ept_next;
	/* counter indexes registered at creation */
	int c_events[MSIM_EV_COUNT_];
	int c_gp, c_access_ok, c_access_pf, c_access_other, c_expect, c_ad;
	int c_kvm_access_exits, c_cycles_total;
};

/* Report an observation to the observer, if any. */
static inline void msim_machine_observe(struct msim_machine *m, unsigned vcpu,
					unsigned kind, uint64_t a0, uint64_t a1,
					uint64_t a2)
{
	msim_observation o = { kind, vcpu, { a0, a1, a2, 0, 0, 0, 0 } };

	if (m->observer)
		m->observer(m->observer_ctx, &o);
}

/* machine_access.c */
int msim_machine_access(struct msim_machine *m, struct msim_vcpu *v,
			const msim_event *ev, msim_event_result *res);
size_t msim_machine_access_run(struct msim_machine *m, const msim_event *ev,
			       size_t n);
int msim_machine_hw_setup(struct msim_machine *m);
/* Apply an invalidation the guest's own instruction performs in hardware. */
void msim_machine_arch_inval(struct msim_machine *m, struct msim_vcpu *v,
			     const msim_inv *op);
void msim_machine_vcpu_tag(struct msim_machine *m, struct msim_vcpu *v,
			   msim_tlb_ctx *tag);

#endif
