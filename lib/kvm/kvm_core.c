/*
 * The KVM model's core: what every part of the MMU needs and that needs
 * no part of it (observer, VM-exit cost, memslot visibility, the flush
 * kinds and the hardware invalidations they execute, TLB tags). The
 * shadow MMU, the TDP MMU, the root cache and the event handlers all call
 * down into this file; it calls none of them.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "kvm/kvm_internal.h"

void kvm_observe_slow(struct msim_kvm *kvm, unsigned kind, unsigned how,
		      uint64_t gfn, uint32_t role)
{
	msim_kvm_obs o = { kind, how, gfn, role };

	kvm->env.observe(kvm->env.ctx, kvm->cur_vcpu, &o);
}

uint16_t kvm_current_vpid(const struct msim_kvm_vcpu *v)
{
	/* kvm_vcpu_flush_tlb_current(): >= ~6.12 vpid01 while L2 runs without vmcs12 VPID */
	if (!v->guest_mode || !v->vpid02)
		return v->vpid01;
	if (v->kvm->o.kernel >= 612 && !v->vpid12_en)
		return v->vpid01;
	return v->vpid02;
}

uint64_t kvm_root_eptp(const struct msim_kvm *kvm, const struct kvm_sp *sp)
{
	/* construct_eptp: WB, walk length, A/D (kvm_vcpu_flush_tlb_current()) */
	unsigned levels = sp->level ? sp->level : 4;

	return sp->hpa | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(levels) |
	       (kvm->o.ept_ad ? MSIM_EPTP_AD : 0);
}

void kvm_hw_flush(struct msim_kvm_vcpu *v, msim_kvm_tlb_op op,
		  uint64_t eptp, uint16_t vpid, uint64_t gva)
{
	struct msim_kvm *kvm = v->kvm;
	static const enum kvm_counter c[] = {
		[MSIM_KVM_TLB_INVEPT_SINGLE] = KC_INVEPT_SINGLE,
		[MSIM_KVM_TLB_INVEPT_ALL] = KC_INVEPT_ALL,
		[MSIM_KVM_TLB_INVVPID_SINGLE] = KC_INVVPID_SINGLE,
		[MSIM_KVM_TLB_INVVPID_ADDR] = KC_INVVPID_ADDR,
		[MSIM_KVM_TLB_INVVPID_ALL] = KC_INVVPID_ALL,
		[MSIM_KVM_TLB_ASID] = KC_INVVPID_SINGLE,
		[MSIM_KVM_TLB_ASID_ALL] = KC_INVVPID_ALL,
	};
	uint64_t cy;

	switch (op) {
	case MSIM_KVM_TLB_INVEPT_SINGLE: cy = kvm->cost.invept_single; break;
	case MSIM_KVM_TLB_INVEPT_ALL: cy = kvm->cost.invept_all; break;
	case MSIM_KVM_TLB_INVVPID_ADDR: cy = kvm->cost.invvpid_addr; break;
	case MSIM_KVM_TLB_INVVPID_ALL:
	case MSIM_KVM_TLB_ASID_ALL: cy = kvm->cost.invvpid_all; break;
	default: cy = kvm->cost.invvpid_single; break;
	}
	kvm_count(kvm, c[op], 1);
	kvm_count(kvm, KC_CY_FLUSH, cy);
	if (kvm->env.tlb) {
		msim_kvm_tlb_req r = { op, eptp, vpid, gva };

		kvm->env.tlb(kvm->env.ctx, v->id, &r);
	}
}

void kvm_flush_tlb_current(struct msim_kvm_vcpu *v)
{
	struct kvm_sp *root = v->mmu->root.sp;

	if (!root && !kvm_svm(v->kvm))
		return; /* no valid root: nothing to flush (kvm_vcpu_flush_tlb_current()) */
	kvm_count(v->kvm, KC_FL_CURRENT, 1);
	kvm_count(v->kvm, KC_CY_FLUSH, v->kvm->cost.flush_current);
	kvm_observe(v->kvm, MSIM_EXP_FLUSH, MSIM_KVM_FLUSH_CURRENT, 0, 0);
	if (kvm_svm(v->kvm)) {
		kvm_hw_flush(v, MSIM_KVM_TLB_ASID, 0, kvm_current_vpid(v), 0);
		return;
	}
	if (kvm_tdp(v->kvm) && !root->special)
		kvm_hw_flush(v, MSIM_KVM_TLB_INVEPT_SINGLE, kvm_root_eptp(v->kvm, root),
			 0, 0);
	else
		kvm_hw_flush(v, MSIM_KVM_TLB_INVVPID_SINGLE, 0, kvm_current_vpid(v), 0);
}

void kvm_flush_tlb_all(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;

	kvm_count(kvm, KC_FL_ALL, 1);
	kvm_count(kvm, KC_CY_FLUSH, kvm->cost.flush_all);
	kvm_observe(kvm, MSIM_EXP_FLUSH, MSIM_KVM_FLUSH_ALL, 0, 0);
	if (kvm_svm(kvm))
		kvm_hw_flush(v, MSIM_KVM_TLB_ASID_ALL, 0, 0, 0);
	else if (kvm_tdp(kvm))
		kvm_hw_flush(v, MSIM_KVM_TLB_INVEPT_ALL, 0, 0, 0);
	else if (kvm->o.vpid)
		kvm_hw_flush(v, MSIM_KVM_TLB_INVVPID_ALL, 0, 0, 0);
}

void kvm_flush_tlb_gva(struct msim_kvm_vcpu *v, uint64_t gva)
{
	kvm_count(v->kvm, KC_FL_GVA, 1);
	kvm_observe(v->kvm, MSIM_EXP_FLUSH, MSIM_KVM_FLUSH_GVA, 0, 0);
	if (kvm_current_vpid(v) || kvm_svm(v->kvm))
		kvm_hw_flush(v, MSIM_KVM_TLB_INVVPID_ADDR, 0, kvm_current_vpid(v), gva);
}

void kvm_make_all_request(struct msim_kvm *kvm, uint32_t r)
{
	for (unsigned i = 0; i < kvm->nr_vcpus; i++)
		kvm->vcpus[i].req |= r;
}

/* kvm_flush_remote_tlbs(): KVM_REQ_TLB_FLUSH to every vCPU */
void kvm_flush_remote_tlbs(struct msim_kvm *kvm)
{
	kvm_count(kvm, KC_FL_REMOTE, 1);
	kvm_count(kvm, KC_CY_FLUSH, kvm->cost.flush_remote * kvm->nr_vcpus);
	kvm_observe(kvm, MSIM_EXP_FLUSH, MSIM_KVM_FLUSH_REMOTE, 0, 0);
	kvm_make_all_request(kvm, REQ_TLB_FLUSH);
}

void kvm_vmexit_cost(struct msim_kvm_vcpu *v)
{
	v->kvm->cur_vcpu = v->id;
	kvm_count(v->kvm, KC_EXIT, 1);
	kvm_count(v->kvm, KC_CY_VMEXIT, v->kvm->cost.vmexit);
}

/* Is gfn in a memslot? With no memslot ever created, all of it is. */
bool kvm_gfn_visible(const struct msim_kvm *kvm, uint64_t gfn)
{
	if (!kvm->nslots)
		return true;
	for (unsigned i = 0; i < kvm->nslots; i++)
		if (gfn - kvm->slots[i].gfn < kvm->slots[i].npages)
			return true;
	return false;
}

void msim_kvm_get_tags(const msim_kvm_vcpu *v, msim_kvm_tags *t)
{
	const struct kvm_sp *root = v->mmu->root.sp;

	memset(t, 0, sizeof(*t));
	if (root && kvm_tdp(v->kvm) && !root->special)
		t->eptp = kvm_root_eptp(v->kvm, root);
	else if (root)
		t->root_hpa = root->special ? root->pae[0] ? root->pae[0]->hpa : 0
					    : root->hpa;
	t->vpid = kvm_current_vpid(v);
	t->pcid = (uint16_t)kvm_active_pcid(v);
	t->guest_mode = v->guest_mode;
	t->smm = v->smm;
}
