/*
 * Nested VMX: L1 <-> L2 transitions, root_mmu / guest_mmu switching,
 * transition flushes, L1's INVEPT/INVVPID (
 * root_mmu/guest_mmu/nested_mmu (kvm_host.h), nested_svm_load_cr3()). SVM transitions in summary (nested_svm_transition_tlb_flush()).
 * SPDX-License-Identifier: MIT
 */
#include "kvm/kvm_internal.h"

/*
 * nested_has_guest_tlb_tag. Checked in the kernel source (search tool):
 * a ~v5.8-5.15 vmx/nested.c reads enable_ept || (nested_cpu_has_vpid(vmcs12)
 * && vpid02) ("if L0 uses EPT, L1 and L2 run with different EPTP because
 * guest_mode is part of kvm_mmu_page_role"), as the spec recalled; an older
 * (~v4.20-5.7) copy reads nested_cpu_has_ept(vmcs12) instead of enable_ept.
 */
static bool has_guest_tlb_tag(const struct msim_kvm_vcpu *v)
{
	bool ept = v->kvm->o.kernel >= 508 ? kvm_tdp(v->kvm) : v->ept12;

	return ept || (v->vpid12_en && v->vpid02);
}

void kvm_nested_transition_flush(struct msim_kvm_vcpu *v, bool is_vmenter)
{
	struct msim_kvm *kvm = v->kvm;
	unsigned k = kvm->o.kernel;

	if (kvm->o.vendor == MSIM_VENDOR_AMD) {
		/* nested_svm_transition_tlb_flush(): entry and exit, always */
		kvm_make_request(v, REQ_MMU_SYNC | REQ_FLUSH_CURRENT);
		return;
	}
	if (kvm->o.nested_flush == MSIM_KVM_NESTED_EVERY_SWITCH ||
	    (kvm->o.nested_flush == MSIM_KVM_NESTED_BY_ERA && k < 420)) {
		/* vmx_set_cr3() / "[PATCH 0/4] KVM: nVMX: VPID optimizations" (Liran Alon, 2018): the root switch flushed every time */
		kvm_make_request(v, REQ_TLB_FLUSH);
		return;
	}
	if (kvm->o.nested_flush == MSIM_KVM_NESTED_TAG_BASED || k >= 516) {
		/* nested_has_guest_tlb_tag() */
		if (!v->vpid12_en) {
			kvm_make_request(v, REQ_FLUSH_GUEST);
			return;
		}
		if (is_vmenter && v->vpid12 != v->last_vpid) {
			v->last_vpid = v->vpid12;
			kvm_make_request(v, REQ_FLUSH_GUEST);
			return;
		}
		if (!has_guest_tlb_tag(v))
			kvm_make_request(v, REQ_FLUSH_CURRENT);
		return;
	}
	if (k >= 508) {
		/*
		 * nested_vmx_transition_tlb_flush(), as read in a ~v5.8-5.15 nested.c (the spec's order
		 * was from memory): nothing without L0 VPID; vmcs12 without
		 * VPID -> KVM_REQ_TLB_FLUSH (all contexts); no guest tag ->
		 * FLUSH_CURRENT; new vpid12 on entry -> vpid_sync_context(vpid02).
		 */
		if (!kvm->o.vpid)
			return;
		if (!v->vpid12_en) {
			kvm_make_request(v, REQ_TLB_FLUSH);
			return;
		}
		if (!has_guest_tlb_tag(v)) {
			kvm_make_request(v, REQ_FLUSH_CURRENT);
			return;
		}
		if (is_vmenter && v->vpid12 != v->last_vpid) {
			msim_kvm_tlb_req r = { MSIM_KVM_TLB_INVVPID_SINGLE, 0,
					       v->vpid02, 0 };

			v->last_vpid = v->vpid12;
			kvm_count(kvm, KC_INVVPID_SINGLE, 1);
			kvm_count(kvm, KC_CY_FLUSH, kvm->cost.invvpid_single);
			if (kvm->env.tlb)
				kvm->env.tlb(kvm->env.ctx, v->id, &r);
		}
		return;
	}
	/* nested_vmx_transition_tlb_flush() (~4.20-5.7) */
	if (kvm->o.vpid && (!v->vpid12_en || !has_guest_tlb_tag(v)))
		kvm_make_request(v, REQ_TLB_FLUSH);
}

/*
 * nested_vmx_load_cr3 (kvm_init_mmu(), nested_ept_uninit_mmu_context()): store CR3, kvm_init_mmu, then
 * kvm_mmu_new_pgd on root_mmu unless nested EPT. Before 5.18 the pgd
 * switch came first, so its level gate saw the outgoing context (fast_pgd_switch()).
 */
void kvm_nested_load_cr3(struct msim_kvm_vcpu *v, uint64_t cr3, bool new_pgd)
{
	struct kvm_mmu *mmu = &v->root_mmu;
	bool old_order = v->kvm->o.kernel < 518;

	if (old_order && new_pgd) {
		mmu->gate_valid = true;
		mmu->gate_root_level = mmu->root_role_f.level;
		mmu->gate_cpu_level = mmu->cpu_role.base.level;
		mmu->gate_direct = mmu->root_role_f.direct;
	}
	v->cr3 = cr3;
	if (kvm_pae_paging(v)) {
		bool changed;

		kvm_load_pdptes(v, &changed);
	}
	kvm_init_mmu(v);
	if (new_pgd)
		kvm_new_pgd(v, mmu, cr3);
	mmu->gate_valid = false;
}

/* kvm_init_shadow_ept_mmu: guest_mmu roles from EPTP12 (kvm_calc_shadow_ept_root_page_role()) */
static void init_shadow_ept_mmu(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = &v->guest_mmu;
	unsigned levels = msim_eptp_levels(v->eptp12);
	msim_kvm_cpu_role cpu;
	uint64_t u;

	msim_kvm_calc_nested_ept_role(levels ? levels : 4,
				      v->eptp12 & MSIM_EPTP_AD, true, &cpu);
	u = msim_kvm_cpu_role_u64(&cpu, kvm->o.kernel);
	if (mmu->role_valid && mmu->cpu_role_u64 == u)
		return;
	mmu->cpu_role = cpu;
	mmu->cpu_role_u64 = u;
	mmu->root_role_f = cpu.base;
	mmu->root_role = msim_kvm_role_word(&cpu.base, kvm->o.kernel);
	mmu->role_valid = true;
	kvm_count(kvm, KC_INIT_MMU, 1);
}

/*
 * kvm_init_shadow_npt_mmu (kvm_init_shadow_npt_mmu()): the CPU role comes from L1's
 * CR0/CR4/EFER (PKE cleared), the root role is that base with the host's
 * TDP level; passthrough when the host uses 5 levels and L1's NPT 4.
 */
static void init_shadow_npt_mmu(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = &v->guest_mmu;
	msim_kvm_cpu_role cpu;
	msim_kvm_role root;
	uint64_t u;

	msim_kvm_calc_cpu_role(v->l1_cr0, v->l1_cr4 & ~MSIM_CR4_PKE, v->l1_efer,
			       v->smm, true, &cpu);
	root = cpu.base;
	root.level = (uint8_t)(kvm->o.tdp_level == 5 ? 5 : 4);
	root.passthrough = kvm->o.tdp_level == 5 && cpu.base.level == 4;
	u = msim_kvm_cpu_role_u64(&cpu, kvm->o.kernel);
	if (mmu->role_valid && mmu->cpu_role_u64 == u &&
	    mmu->root_role == msim_kvm_role_word(&root, kvm->o.kernel))
		return;
	mmu->cpu_role = cpu;
	mmu->cpu_role_u64 = u;
	mmu->root_role_f = root;
	mmu->root_role = msim_kvm_role_word(&root, kvm->o.kernel);
	mmu->role_valid = true;
	kvm_count(kvm, KC_INIT_MMU, 1);
}

void msim_kvm_on_vmentry(msim_kvm_vcpu *v, const msim_kvm_vmentry *e)
{
	struct msim_kvm *kvm = v->kvm;
	bool amd = kvm->o.vendor == MSIM_VENDOR_AMD;
	/* L1 uses EPT (VMX) or NPT (SVM, e->eptp then holds nCR3) */
	bool nested_ept = e->ept && kvm_tdp(kvm);

	kvm_vmexit_cost(v); /* L1's VMLAUNCH/VMRESUME exits to L0 */
	kvm_count(kvm, KC_NESTED_ENTRY, 1);
	if (kvm->o.kernel >= 516)
		kvm_service_local_flushes(v); /* kvm_service_local_tlb_flush_requests(), nested_vmx_enter_non_root_mode() */
	v->l1_cr0 = v->cr0;
	v->l1_cr3 = v->cr3;
	v->l1_cr4 = v->cr4;
	v->l1_efer = v->efer;
	v->guest_mode = true;
	v->ept12 = e->ept;
	v->eptp12 = e->eptp;
	v->vpid12_en = e->vpid_en;
	v->vpid12 = e->vpid;
	kvm_nested_transition_flush(v, true); /* nested_vmx_enter_non_root_mode() */
	if (kvm->o.kernel < 419 &&
	    kvm->o.nested_flush == MSIM_KVM_NESTED_BY_ERA)
		kvm_mmu_unload(v); /* "[PATCH 0/4] KVM: nVMX: VPID optimizations" (Liran Alon, 2018): entry unloaded the MMU */
	if (nested_ept) {
		/* nested_ept_init_mmu_context() nested_ept_init_mmu_context / nested_svm_load_cr3() nested NPT */
		v->mmu = &v->guest_mmu;
		if (amd)
			init_shadow_npt_mmu(v);
		else
			init_shadow_ept_mmu(v);
		kvm_new_pgd(v, &v->guest_mmu, v->eptp12);
		v->nested_walk = true;
	}
	/* kvm_init_mmu(): vendor writes of L2 state (no post-set hooks), load_cr3 */
	v->cr0 = e->cr0;
	v->cr4 = e->cr4;
	v->efer = e->efer;
	kvm_nested_load_cr3(v, e->cr3, !nested_ept);
	kvm_exit_done(v);
}

void msim_kvm_on_vmexit(msim_kvm_vcpu *v, uint64_t host_cr3)
{
	struct msim_kvm *kvm = v->kvm;

	kvm_vmexit_cost(v);
	kvm_count(kvm, KC_NESTED_EXIT, 1);
	if (kvm->o.kernel >= 516)
		kvm_service_local_flushes(v); /* nested_vmx_vmexit() */
	v->guest_mode = false;
	if (v->nested_walk) {
		/* nested_ept_uninit_mmu_context(): guest_mmu keeps its roots for the next entry */
		v->mmu = &v->root_mmu;
		v->nested_walk = false;
	}
	if (kvm->o.kernel < 419 &&
	    kvm->o.nested_flush == MSIM_KVM_NESTED_BY_ERA)
		kvm_mmu_unload(v);
	v->cr0 = v->l1_cr0;
	v->cr4 = v->l1_cr4;
	v->efer = v->l1_efer;
	kvm_nested_load_cr3(v, host_cr3 ? host_cr3 : v->l1_cr3, true);
	kvm_nested_transition_flush(v, false);
	kvm_exit_done(v);
}

void msim_kvm_on_vmfail(msim_kvm_vcpu *v)
{
	/* nested_vmx_restore_host_state(): back to L1's state, then kvm_mmu_reset_context */
	v->guest_mode = false;
	if (v->nested_walk) {
		v->mmu = &v->root_mmu;
		v->nested_walk = false;
	}
	v->cr0 = v->l1_cr0;
	v->cr3 = v->l1_cr3;
	v->cr4 = v->l1_cr4;
	v->efer = v->l1_efer;
	kvm_mmu_reset_context(v, RC_VMFAIL);
	kvm_exit_done(v);
}

/* handle_invept() */
void msim_kvm_on_invept(msim_kvm_vcpu *v, unsigned type, uint64_t eptp)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = &v->guest_mmu;
	uint32_t mask = 0;

	kvm_vmexit_cost(v);
	if (type == 1) {
		if (mmu->root.sp && mmu->root.pgd == eptp)
			mask |= KVM_ROOT_CURRENT;
		for (unsigned i = 0; i < kvm->o.prev_roots; i++)
			if (mmu->prev[i].sp && mmu->prev[i].pgd == eptp)
				mask |= KVM_ROOT_PREVIOUS(i);
	} else {
		mask = KVM_ROOTS_ALL;
	}
	kvm_free_roots(kvm, mmu, mask);
	kvm_exit_done(v);
}

/* handle_invvpid() (>= ~6.12) */
void msim_kvm_on_invvpid(msim_kvm_vcpu *v, unsigned type, uint16_t vpid,
			 uint64_t gva)
{
	struct msim_kvm *kvm = v->kvm;
	msim_kvm_tlb_req r = { MSIM_KVM_TLB_INVVPID_SINGLE, 0, v->vpid02, gva };

	(void)vpid;
	kvm_vmexit_cost(v);
	if (type == 0)
		r.op = MSIM_KVM_TLB_INVVPID_ADDR;
	else if (type == 2)
		r.op = MSIM_KVM_TLB_INVVPID_ALL;
	if (v->vpid02) {
		kvm_count(kvm, r.op == MSIM_KVM_TLB_INVVPID_ADDR ? KC_INVVPID_ADDR :
			       r.op == MSIM_KVM_TLB_INVVPID_ALL ? KC_INVVPID_ALL :
			       KC_INVVPID_SINGLE, 1);
		kvm_count(kvm, KC_CY_FLUSH, r.op == MSIM_KVM_TLB_INVVPID_ADDR ?
			  kvm->cost.invvpid_addr : r.op == MSIM_KVM_TLB_INVVPID_ALL ?
			  kvm->cost.invvpid_all : kvm->cost.invvpid_single);
		if (kvm->env.tlb)
			kvm->env.tlb(kvm->env.ctx, v->id, &r);
	}
	if (!kvm_tdp(kvm))
		kvm_free_guest_mode_roots(kvm, &v->root_mmu);
	kvm_exit_done(v);
}
