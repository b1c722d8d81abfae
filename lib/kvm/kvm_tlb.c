/*
 * Glue between the KVM model's hardware invalidations / tags and the TLB
 * model of tlb.h: what each KVM flush kind does to the simulated TLBs
 * (kvm_vcpu_flush_tlb_current() VMX mapping, svm_flush_tlb_current() SVM).
 * SPDX-License-Identifier: MIT
 */
#include "kvm/kvm_internal.h"
#include "mmu_sim/tlb.h"

int msim_kvm_tlb_apply(msim_tlb *t, const msim_tlb_ctx *ctx,
		       const msim_kvm_tlb_req *r)
{
	msim_inv op = { MSIM_INV_ALL, { 0, 0, 0 } };

	switch (r->op) {
	case MSIM_KVM_TLB_INVEPT_SINGLE:
		op = (msim_inv){ MSIM_INV_INVEPT, { 1, r->eptp, 0 } };
		break;
	case MSIM_KVM_TLB_INVEPT_ALL:
		op = (msim_inv){ MSIM_INV_INVEPT, { 2, 0, 0 } };
		break;
	case MSIM_KVM_TLB_INVVPID_SINGLE:
		/*
		 * VPID 0 cannot be an INVVPID operand: without VPID the
		 * CPU flushes linear mappings on every VM entry (kvm_vcpu_flush_tlb_current()).
		 */
		if (!r->vpid)
			op = (msim_inv){ MSIM_INV_VMENTRY, { 0, 0, 0 } };
		else
			op = (msim_inv){ MSIM_INV_INVVPID, { 1, r->vpid, 0 } };
		break;
	case MSIM_KVM_TLB_INVVPID_ADDR:
		if (!r->vpid)
			op = (msim_inv){ MSIM_INV_VMENTRY, { 0, 0, 0 } };
		else
			op = (msim_inv){ MSIM_INV_INVVPID, { 0, r->vpid, r->gva } };
		break;
	case MSIM_KVM_TLB_INVVPID_ALL:
		op = (msim_inv){ MSIM_INV_INVVPID, { 2, 0, 0 } };
		break;
	case MSIM_KVM_TLB_ASID:
		/* VMCB TLB_CONTROL 3: flush this guest's ASID */
		op = (msim_inv){ MSIM_INV_TLB_CONTROL, { 3, r->vpid, 0 } };
		break;
	case MSIM_KVM_TLB_ASID_ALL:
		op = (msim_inv){ MSIM_INV_TLB_CONTROL, { 1, r->vpid, 0 } };
		break;
	}
	return msim_tlb_invalidate(t, ctx, &op, NULL);
}

void msim_kvm_tlb_ctx(const msim_kvm_vcpu *v, msim_tlb_ctx *ctx)
{
	msim_kvm_tags tags;

	msim_kvm_get_tags(v, &tags);
	*ctx = (msim_tlb_ctx)MSIM_TLB_CTX_INIT;
	/* combined (2D) mappings carry EPTP[51:12]; shadow: linear only */
	ctx->nested = tags.eptp != 0;
	ctx->ep4ta = tags.eptp & MSIM_GENMASK(51, 12);
	ctx->pcid = tags.pcid;
	ctx->vpid = tags.vpid;
	ctx->pge = v->cr4 & MSIM_CR4_PGE;
	ctx->pcide = v->cr4 & MSIM_CR4_PCIDE;
}
