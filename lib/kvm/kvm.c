/*
 * The KVM model of one VM: vCPUs, context reset and its callers, control
 * register / EFER / SMM / INIT / CPUID / memslot handling, the request
 * servicing of VM entry (vcpu_enter_guest(), kvm_service_local_tlb_flush_requests()). The top of the
 * MMU: it calls the root cache, the shadow and TDP MMUs and the core;
 * only kvm_nested.c calls back into it.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_internal.h"
#include "mmu_sim/cost.h"

static const char *const counter_names[KC__COUNT] = {
#define X(id, name, desc) [KC_##id] = name,
	KVM_COUNTERS(X)
#undef X
};
static const char *const counter_descs[KC__COUNT] = {
#define X(id, name, desc) [KC_##id] = desc,
	KVM_COUNTERS(X)
#undef X
};

#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR3_NOFLUSH (1ULL << 63)

uint64_t msim_kvm_counter(const msim_kvm *kvm, const char *name)
{
	for (unsigned i = 0; i < KC__COUNT; i++)
		if (!strcmp(counter_names[i], name))
			return kvm->cnt[i];
	return 0;
}

void msim_kvm_costs_from(const msim_cost_params *p, msim_kvm_costs *o)
{
	o->vmexit = p->vmexit;
	o->reset = p->kvm_reset;
	o->root_alloc = p->kvm_root_alloc;
	o->root_load = p->kvm_root_load;
	o->root_free = p->kvm_root_free;
	o->sp_alloc = p->kvm_sp_alloc;
	o->hash_lookup = p->kvm_hash_lookup;
	o->spte_set = p->kvm_spte_set;
	o->write_protect = p->kvm_write_protect;
	o->zap_spte = p->kvm_zap_spte;
	o->sync_page = p->kvm_sync_sp;
	o->sync_roots = p->kvm_sync_roots;
	o->flush_current = p->kvm_flush_current;
	o->flush_guest = p->kvm_flush_guest;
	o->flush_all = p->kvm_flush_all;
	o->flush_remote = p->kvm_flush_remote;
	o->invept_single = p->invept_single;
	o->invept_all = p->invept_all;
	o->invvpid_single = p->invvpid_single;
	o->invvpid_addr = p->invvpid_addr;
	o->invvpid_all = p->invvpid_all;
	o->shadow_fault = p->kvm_shadow_fault;
	o->tdp_fault = p->kvm_tdp_fault;
	o->emulate = p->kvm_emulate;
}

static void mmu_init_struct(struct kvm_mmu *mmu, bool guest)
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->is_guest_mmu = guest;
	mmu->pae_root.special = true;
}

int msim_kvm_create(msim_kvm **out, const msim_kvm_opts *o, unsigned nr_vcpus,
		    msim_stats *stats, const msim_kvm_costs *cost,
		    msim_gmem *guest_mem, const msim_kvm_env *env)
{
	static const msim_kvm_opts def = MSIM_KVM_OPTS_INIT;
	static const msim_kvm_costs defc = MSIM_KVM_COSTS_INIT;
	struct msim_kvm *kvm;

	if (!out)
		return msim_err(MSIM_EINVAL, "kvm: out is NULL");
	if (!nr_vcpus || nr_vcpus > MSIM_MAX_VCPUS)
		return msim_err(MSIM_ERANGE, "kvm: %u vCPUs (1..%d)", nr_vcpus,
				MSIM_MAX_VCPUS);
	if (o && o->prev_roots > MSIM_KVM_MAX_PREV_ROOTS)
		return msim_err(MSIM_ERANGE, "kvm: prev_roots %u (0..%d)",
				o->prev_roots, MSIM_KVM_MAX_PREV_ROOTS);
	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return msim_err(MSIM_ENOMEM, "out of memory (kvm)");
	kvm->vcpus = calloc(nr_vcpus, sizeof(*kvm->vcpus));
	if (!kvm->vcpus) {
		free(kvm);
		return msim_err(MSIM_ENOMEM, "out of memory (vcpus)");
	}
	kvm->o = o ? *o : def;
	kvm->cost = cost ? *cost : defc;
	if (env)
		kvm->env = *env;
	kvm->nr_vcpus = nr_vcpus;
	kvm->gmem = guest_mem;
	kvm->stats = stats;
	kvm->active.anext = kvm->active.aprev = &kvm->active;
	kvm->next_hpa = 0;
	if (kvm_tdp(kvm)) {
		msim_gmem_opts go = MSIM_GMEM_OPTS_INIT;
		int rc = msim_gmem_create(&kvm->host, &go);

		if (rc) {
			msim_kvm_free(kvm);
			return rc;
		}
		kvm->mat_direct = kvm->o.mmu == MSIM_KVM_MMU_LEGACY_TDP;
	}
	kvm->n_max = kvm->o.max_mmu_pages ? kvm->o.max_mmu_pages : UINT64_MAX;
	for (unsigned i = 0; i < KC__COUNT; i++) {
		kvm->sidx[i] = -1;
		if (stats) {
			int rc = msim_stats_register(stats, counter_names[i],
						     counter_descs[i]);

			if (rc < 0) {
				msim_kvm_free(kvm);
				return rc;
			}
			kvm->sidx[i] = rc;
		}
	}
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct msim_kvm_vcpu *v = &kvm->vcpus[i];

		v->kvm = kvm;
		v->id = i;
		mmu_init_struct(&v->root_mmu, false);
		mmu_init_struct(&v->guest_mmu, true);
		v->mmu = &v->root_mmu;
		v->cr0 = 0x60000010ULL; /* reset state (SDM 9.1.1) */
		v->last_vpid = -1;
		if (kvm->o.vpid) {
			v->vpid01 = (uint16_t)(1 + 2 * i);
			v->vpid02 = kvm->o.vpid02 ? (uint16_t)(2 + 2 * i) : 0;
		}
		kvm->cur_vcpu = i;
		kvm_init_mmu(v);
	}
	*out = kvm;
	return 0;
}

static void free_tree_pages(struct msim_kvm *kvm)
{
	struct kvm_sp *sp, *next;

	for (sp = kvm->active.anext; sp != &kvm->active; sp = next) {
		next = sp->anext;
		sp->on_active = false;
		kvm_sp_destroy(kvm, sp);
	}
	for (unsigned b = 0; b < KVM_NR_BUCKETS; b++)
		while (kvm->hash[b])
			kvm_sp_destroy(kvm, kvm->hash[b]);
	while (kvm->tdp_roots) {
		sp = kvm->tdp_roots;
		kvm->tdp_roots = sp->hnext;
		kvm_sp_destroy(kvm, sp);
	}
}

void msim_kvm_free(msim_kvm *kvm)
{
	if (!kvm)
		return;
	for (unsigned i = 0; i < kvm->nzap; i++)
		kvm_sp_destroy(kvm, kvm->zap_list[i]);
	free_tree_pages(kvm);
	free(kvm->free_pages);
	msim_gmem_free(kvm->host);
	while (kvm->sp_free) {
		struct kvm_sp *sp = kvm->sp_free;

		kvm->sp_free = sp->hnext;
		free(sp);
	}
	free(kvm->zap_list);
	free(kvm->vcpus);
	free(kvm);
}

msim_kvm_vcpu *msim_kvm_vcpu_get(msim_kvm *kvm, unsigned id)
{
	return kvm && id < kvm->nr_vcpus ? &kvm->vcpus[id] : NULL;
}

const msim_kvm_opts *msim_kvm_get_opts(const msim_kvm *kvm)
{
	return &kvm->o;
}

/* ------------------------------------------------------------ roles */

/* kvm_init_mmu(), init_kvm_tdp_mmu() kvm_init_mmu: never frees roots */
void kvm_init_mmu(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = &v->root_mmu;
	msim_kvm_cpu_role cpu;
	msim_kvm_role root;
	uint64_t cpu_u64, key;
	uint32_t root_w;

	kvm_count(kvm, KC_CY_RESET, kvm->cost.reset);
	if (v->nested_walk)
		return; /* init_kvm_nested_mmu: only the walker changes */
	/* same role-relevant inputs as last time: both roles unchanged */
	key = ((v->cr0 & (MSIM_CR0_PG | MSIM_CR0_WP)) >> 16) ^
	      ((v->cr4 & (MSIM_CR4_PSE | MSIM_CR4_PAE | MSIM_CR4_LA57 |
			  MSIM_CR4_SMEP | MSIM_CR4_SMAP | MSIM_CR4_PKE)) << 16) ^
	      ((v->efer & (MSIM_EFER_LMA | MSIM_EFER_NXE)) << 40) ^
	      ((uint64_t)v->smm << 62) ^ ((uint64_t)v->guest_mode << 63) ^
	      (1ULL << 61); /* never 0: 0 marks an empty cache slot */
	if (mmu->role_valid && mmu->role_key == key)
		return;
	mmu->role_key = key;
	if (mmu->rc[0].key == key || mmu->rc[1].key == key) {
		/* WP toggles etc. alternate between two role pairs */
		unsigned i = mmu->rc[1].key == key;

		cpu = mmu->rc[i].cpu;
		cpu_u64 = mmu->rc[i].cpu_u64;
		root = mmu->rc[i].root_f;
		root_w = mmu->rc[i].root_w;
	} else {
		unsigned i = mmu->rc_next++ & 1;

		msim_kvm_calc_cpu_role(v->cr0, v->cr4, v->efer, v->smm,
				       v->guest_mode, &cpu);
		msim_kvm_calc_root_role(&kvm->o, &cpu, &root);
		cpu_u64 = msim_kvm_cpu_role_u64(&cpu, kvm->o.kernel);
		root_w = msim_kvm_role_word(&root, kvm->o.kernel);
		mmu->rc[i].key = key;
		mmu->rc[i].cpu = cpu;
		mmu->rc[i].cpu_u64 = cpu_u64;
		mmu->rc[i].root_f = root;
		mmu->rc[i].root_w = root_w;
	}
	if (mmu->role_valid && mmu->cpu_role_u64 == cpu_u64 &&
	    mmu->root_role == root_w)
		return;
	mmu->cpu_role = cpu;
	mmu->cpu_role_u64 = cpu_u64;
	mmu->root_role_f = root;
	mmu->root_role = root_w;
	mmu->role_valid = true;
	kvm_count(kvm, KC_INIT_MMU, 1);
}

/* ------------------------------------------------------------ flushes */

void kvm_flush_tlb_guest(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;

	kvm_count(kvm, KC_FL_GUEST, 1);
	kvm_count(kvm, KC_CY_FLUSH, kvm->cost.flush_guest);
	kvm_observe(kvm, MSIM_EXP_FLUSH, MSIM_KVM_FLUSH_GUEST, 0, 0);
	/* EPT mappings are not VPID-tagged: nested EPT needs no sync (nested_has_guest_tlb_tag()) */
	if (!v->mmu->root_role_f.direct && !v->mmu->is_guest_mmu) {
		if (kvm->o.kernel >= 516) {
			/* kvm_vcpu_flush_tlb_guest(): sync current, free unsync prev roots */
			kvm_sync_roots(v);
			kvm_sync_prev_roots(v);
		} else if (kvm->o.kernel >= 513) {
			kvm_mmu_unload(v); /* kvm_vcpu_flush_tlb_guest() ~5.13-5.15 */
		}
	}
	if (kvm_svm(kvm)) {
		kvm_hw_flush(v, MSIM_KVM_TLB_ASID, 0, kvm_current_vpid(v), 0);
		return;
	}
	/* no VPID: every entry/exit already flushes linear mappings */
	if (kvm_current_vpid(v))
		kvm_hw_flush(v, MSIM_KVM_TLB_INVVPID_SINGLE, 0, kvm_current_vpid(v), 0);
}

/* kvm_service_local_tlb_flush_requests: CURRENT, then GUEST */
void kvm_service_local_flushes(struct msim_kvm_vcpu *v)
{
	if (v->req & REQ_FLUSH_CURRENT) {
		v->req &= ~REQ_FLUSH_CURRENT;
		kvm_flush_tlb_current(v);
	}
	if (v->req & REQ_FLUSH_GUEST) {
		v->req &= ~REQ_FLUSH_GUEST;
		kvm_flush_tlb_guest(v);
	}
}

/* vcpu_enter_guest(): request order in vcpu_enter_guest, then kvm_mmu_reload */
void msim_kvm_before_entry(msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;

	kvm->cur_vcpu = v->id;
	if (v->req & REQ_FREE_OBSOLETE) {
		v->req &= ~REQ_FREE_OBSOLETE;
		kvm_free_obsolete_roots(v);
	}
	if (v->req & REQ_MMU_RELOAD) {
		v->req &= ~REQ_MMU_RELOAD;
		kvm_mmu_unload(v);
	}
	if (v->req & REQ_MMU_SYNC) {
		v->req &= ~REQ_MMU_SYNC;
		kvm_sync_roots(v);
	}
	v->req &= ~REQ_LOAD_PGD; /* the model has no VMCS field to write */
	if (v->req & REQ_TLB_FLUSH) {
		v->req &= ~(REQ_TLB_FLUSH | REQ_FLUSH_CURRENT);
		kvm_flush_tlb_all(v);
	}
	kvm_service_local_flushes(v);
	if (!v->mmu->root.sp)
		kvm_mmu_load(v);
	v->in_exit = false;
}

/*
 * The recordings of the PVM host (traces/kvm/ptwrite.trace) show a MOV CR3
 * done by emulated ring-0 code allocating its root at once, while the
 * MMU_SYNC it requested is serviced only when the guest next runs natively
 * (its CPL3 access): the emulator reloads the MMU but enters no guest.
 */
void kvm_exit_done(struct msim_kvm_vcpu *v)
{
	if (v->kvm->o.cpl0_emulated) {
		v->kvm->cur_vcpu = v->id;
		if (v->req & REQ_FREE_OBSOLETE) {
			v->req &= ~REQ_FREE_OBSOLETE;
			kvm_free_obsolete_roots(v);
		}
		if (!v->mmu->root.sp)
			kvm_mmu_load(v);
		return;
	}
	msim_kvm_before_entry(v);
}

bool msim_kvm_access_emulated(const msim_kvm_vcpu *v, unsigned access)
{
	return v->kvm->o.cpl0_emulated && !(access & MSIM_WACC_USER);
}

void msim_kvm_pre_access(msim_kvm_vcpu *v, unsigned access)
{
	if (msim_kvm_access_emulated(v, access))
		return;
	if (v->req || !v->mmu->root.sp)
		msim_kvm_before_entry(v);
}

static void exit_begin(struct msim_kvm_vcpu *v)
{
	kvm_vmexit_cost(v);
	v->in_exit = true;
}

/* ------------------------------------------------------------ reset */

static bool keeps_roots(const struct msim_kvm *kvm, int caller)
{
	if (caller & RC_MUST_UNLOAD)
		return false;
	switch (kvm->o.policy) {
	case MSIM_KVM_POLICY_KEEP_ROOTS:
		return true;
	case MSIM_KVM_POLICY_PER_CALLER:
		return (caller & 0xff) == RC_CR0 || (caller & 0xff) == RC_CR4;
	default:
		return false;
	}
}

/*
 * kvm_mmu_unload() kvm_mmu_reset_context = unload + kvm_init_mmu. keep-roots (Paolo,
 * Feb 2022, not merged) = kvm_init_mmu + kvm_mmu_new_pgd(cr3): roots whose
 * role did not change stay, a changed role is looked up in prev_roots.
 */
void kvm_mmu_reset_context(struct msim_kvm_vcpu *v, int caller)
{
	struct msim_kvm *kvm = v->kvm;

	kvm_count(kvm, KC_RESET, 1);
	if (!keeps_roots(kvm, caller) || v->nested_walk) {
		kvm_mmu_unload(v);
		kvm_init_mmu(v);
		return;
	}
	kvm_init_mmu(v);
	if (v->root_mmu.root_role_f.direct && kvm->o.kernel < 518)
		kvm_new_pgd(v, &v->root_mmu, 0); /* direct roots: pgd 0 */
	else
		kvm_new_pgd(v, &v->root_mmu, v->cr3);
}

/* ------------------------------------------------------------ CR0 */

static void update_lma(struct msim_kvm_vcpu *v)
{
	if ((v->cr0 & MSIM_CR0_PG) && (v->efer & MSIM_EFER_LME))
		v->efer |= MSIM_EFER_LMA;
	else
		v->efer &= ~MSIM_EFER_LMA;
}

void kvm_load_pdptes(struct msim_kvm_vcpu *v, bool *changed)
{
	uint64_t base = v->cr3 & MSIM_GENMASK(31, 5);

	*changed = false;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = v->kvm->gmem ? msim_gmem_read64(v->kvm->gmem,
							     base + 8 * i)
					  : 0;

		if (e != v->pdpte[i])
			*changed = true;
		v->pdpte[i] = e;
	}
}

bool kvm_pae_paging(const struct msim_kvm_vcpu *v)
{
	return (v->cr0 & MSIM_CR0_PG) && (v->cr4 & MSIM_CR4_PAE) &&
	       !(v->efer & MSIM_EFER_LMA);
}

/* kvm_post_set_cr0 (kvm_init_mmu(), kvm_mmu_reset_context()) without the exit around it */
static void post_set_cr0(struct msim_kvm_vcpu *v, uint64_t old, uint64_t cr0)
{
	struct msim_kvm *kvm = v->kvm;
	uint64_t chg = old ^ cr0;
	bool dummy;

	v->cr0 = cr0;
	update_lma(v);
	if (kvm_pae_paging(v) && (chg & MSIM_CR0_PG))
		kvm_load_pdptes(v, &dummy);
	if (chg == MSIM_CR0_WP && kvm->o.kernel >= 604) {
		/* kvm_init_mmu(): WP-only toggle */
		if (!(cr0 & MSIM_CR0_PG))
			return;
		if (kvm_tdp(kvm)) {
			kvm_init_mmu(v);
			return;
		}
	}
	if ((chg & MSIM_CR0_PG) && !(cr0 & MSIM_CR0_PG) && kvm->o.kernel >= 518)
		kvm_make_request(v, REQ_FLUSH_GUEST); /* kvm_set_cr0() */
	if (chg & msim_kvm_cr0_role_bits(kvm->o.kernel)) {
		int caller = RC_CR0;

		if ((chg & MSIM_CR0_PG) && !(cr0 & MSIM_CR0_PG))
			caller |= RC_MUST_UNLOAD; /* keep-roots: PG 1->0 */
		kvm_mmu_reset_context(v, caller);
	}
}

void msim_kvm_on_cr0(msim_kvm_vcpu *v, uint64_t old, uint64_t val)
{
	struct msim_kvm *kvm = v->kvm;

	kvm->cur_vcpu = v->id;
	/*
	 * kvm_mmu_refresh_passthrough_bits(): >= 6.4 on VMX with EPT, CR0.WP is guest-owned: no exit; the
	 * CPU role is refreshed lazily (kvm_mmu_refresh_passthrough_bits).
	 */
	if ((old ^ val) == MSIM_CR0_WP && kvm->o.kernel >= 604 &&
	    kvm_tdp(kvm) && !kvm_svm(kvm)) {
		v->cr0 = val;
		return;
	}
	exit_begin(v);
	(void)old;
	post_set_cr0(v, v->cr0, val);
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ CR4 */

static void post_set_cr4(struct msim_kvm_vcpu *v, uint64_t old, uint64_t cr4)
{
	struct msim_kvm *kvm = v->kvm;
	uint64_t chg = old ^ cr4;
	unsigned k = kvm->o.kernel;
	bool dummy;

	v->cr4 = cr4;
	if (kvm_pae_paging(v) && (chg & (MSIM_CR4_PAE | MSIM_CR4_PSE | MSIM_CR4_PGE |
				     MSIM_CR4_SMEP)))
		kvm_load_pdptes(v, &dummy);
	if (k >= 518) {
		/* kvm_mmu_reset_context() */
		if (chg & msim_kvm_cr4_role_bits(k)) {
			int caller = RC_CR4;

			if ((cr4 & MSIM_CR4_SMEP) && !(old & MSIM_CR4_SMEP))
				caller |= RC_MUST_UNLOAD;
			kvm_mmu_reset_context(v, caller);
		}
		if (!kvm_tdp(kvm) && !(old & MSIM_CR4_PCIDE) &&
		    (cr4 & MSIM_CR4_PCIDE))
			kvm_mmu_unload(v);
		if ((chg & MSIM_CR4_PGE) ||
		    ((old & MSIM_CR4_PCIDE) && !(cr4 & MSIM_CR4_PCIDE)))
			kvm_make_request(v, REQ_FLUSH_GUEST);
		else if ((chg & MSIM_CR4_PAE) ||
			 ((cr4 & MSIM_CR4_SMEP) && !(old & MSIM_CR4_SMEP)))
			kvm_make_request(v, REQ_FLUSH_CURRENT);
	} else if (k >= 516) {
		/* kvm_set_cr4() */
		if (chg & msim_kvm_cr4_role_bits(k))
			kvm_mmu_reset_context(v, RC_CR4);
		else if (chg & MSIM_CR4_PCIDE)
			kvm_make_request(v, REQ_MMU_RELOAD);
		else if (chg & MSIM_CR4_PGE)
			kvm_make_request(v, REQ_FLUSH_GUEST);
	} else {
		/* kvm_set_cr4() */
		if ((chg & msim_kvm_cr4_role_bits(k)) ||
		    ((old & MSIM_CR4_PCIDE) && !(cr4 & MSIM_CR4_PCIDE)))
			kvm_mmu_reset_context(v, RC_CR4);
	}
}

void msim_kvm_on_cr4(msim_kvm_vcpu *v, uint64_t old, uint64_t val)
{
	(void)old;
	exit_begin(v);
	post_set_cr4(v, v->cr4, val);
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ CR3 */

/* kvm_set_cr3() kvm_invalidate_pcid (>= ~5.17) */
static void invalidate_pcid(struct msim_kvm_vcpu *v, uint64_t pcid)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = v->mmu;
	uint32_t mask = 0;

	if (kvm_tdp(kvm)) {
		kvm_make_request(v, REQ_FLUSH_GUEST);
		return;
	}
	if (kvm_active_pcid(v) == pcid)
		kvm_make_request(v, REQ_MMU_SYNC | REQ_FLUSH_CURRENT);
	if (!(v->cr4 & MSIM_CR4_PCIDE))
		return;
	for (unsigned i = 0; i < kvm->o.prev_roots; i++)
		if (mmu->prev[i].sp && (mmu->prev[i].pgd & 0xfff) == pcid)
			mask |= KVM_ROOT_PREVIOUS(i);
	kvm_free_roots(kvm, mmu, mask);
}

static void set_cr3(struct msim_kvm_vcpu *v, uint64_t val)
{
	struct msim_kvm *kvm = v->kvm;
	bool pcide = v->cr4 & MSIM_CR4_PCIDE;
	bool skip_flush = pcide && (val & CR3_NOFLUSH);
	uint64_t cr3 = pcide ? val & ~CR3_NOFLUSH : val;
	uint64_t pcid = pcide ? cr3 & 0xfff : 0;
	bool same = cr3 == v->cr3 && !kvm_pae_paging(v);

	if (!same) {
		bool pdptes_changed = false;
		uint64_t old = v->cr3;

		v->cr3 = cr3;
		if (kvm_pae_paging(v)) {
			kvm_load_pdptes(v, &pdptes_changed);
			/* load_pdptrs(): a PDPTE change frees the current root */
			if (pdptes_changed && !kvm_tdp(kvm)) {
				kvm_free_roots(kvm, v->mmu, KVM_ROOT_CURRENT);
				kvm_make_request(v, REQ_LOAD_PGD);
			}
		}
		if (cr3 != old || !v->mmu->root.sp)
			kvm_new_pgd(v, v->mmu, cr3); /* kvm_set_cr3() */
		if (kvm->o.kernel < 517) {
			/* kvm_mmu_sync_roots(): sync+flush only when the fast switch hit */
			if (!skip_flush && v->mmu->root.sp)
				kvm_make_request(v, REQ_MMU_SYNC |
						    REQ_FLUSH_CURRENT);
			return;
		}
	} else if (kvm->o.kernel < 517) {
		if (!skip_flush) {
			kvm_sync_roots(v);
			kvm_make_request(v, REQ_FLUSH_CURRENT);
		}
		return;
	}
	if (!skip_flush)
		invalidate_pcid(v, pcid);
}

void msim_kvm_on_cr3(msim_kvm_vcpu *v, uint64_t old, uint64_t val)
{
	struct msim_kvm *kvm = v->kvm;

	(void)old;
	kvm->cur_vcpu = v->id;
	if (kvm_tdp(kvm)) {
		/* kvm_set_cr3(): not intercepted under TDP */
		bool pcide = v->cr4 & MSIM_CR4_PCIDE;

		v->cr3 = pcide ? val & ~CR3_NOFLUSH : val;
		return;
	}
	exit_begin(v);
	set_cr3(v, val);
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ EFER */

static void set_efer(struct msim_kvm_vcpu *v, uint64_t efer)
{
	uint64_t old = v->efer;

	v->efer = (efer & ~MSIM_EFER_LMA) | (old & MSIM_EFER_LMA);
	update_lma(v);
	/* set_efer() */
	if ((old ^ v->efer) & msim_kvm_efer_role_bits(v->kvm->o.kernel))
		kvm_mmu_reset_context(v, RC_EFER);
}

void msim_kvm_on_efer(msim_kvm_vcpu *v, uint64_t old, uint64_t val)
{
	(void)old;
	exit_begin(v);
	set_efer(v, val);
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ sregs */

void msim_kvm_on_sregs(msim_kvm_vcpu *v, uint64_t cr0, uint64_t cr3,
		       uint64_t cr4, uint64_t efer)
{
	bool differ = cr0 != v->cr0 || cr3 != v->cr3 || cr4 != v->cr4 ||
		      efer != v->efer;
	bool pdptes;

	v->kvm->cur_vcpu = v->id;
	v->cr0 = cr0;
	v->cr3 = cr3;
	v->cr4 = cr4;
	v->efer = efer; /* KVM_SET_SREGS takes LMA as given */
	if (kvm_pae_paging(v))
		kvm_load_pdptes(v, &pdptes);
	/* __set_sregs() */
	if (differ || kvm_pae_paging(v)) {
		kvm_mmu_reset_context(v, RC_SREGS | RC_MUST_UNLOAD);
		kvm_make_request(v, REQ_FLUSH_GUEST);
	}
}

/* ------------------------------------------------------------ SMM */

static void smm_changed(struct msim_kvm_vcpu *v, bool entering)
{
	/* kvm_mmu_reset_context() kvm_smm_changed */
	v->smm = entering;
	kvm_mmu_reset_context(v, RC_SMM);
}

void msim_kvm_on_smi(msim_kvm_vcpu *v)
{
	exit_begin(v);
	v->smm_cr0 = v->cr0;
	v->smm_cr3 = v->cr3;
	v->smm_cr4 = v->cr4;
	v->smm_efer = v->efer;
	/*
	 * enter_smm() enter_smm: reset #1, direct vendor writes, reset #2. Before
	 * a June 2021 patch (~5.14, read as a diff) enter_smm set HF_SMM_MASK
	 * itself, without kvm_smm_changed: only the final reset.
	 */
	if (v->kvm->o.kernel >= 514)
		smm_changed(v, true);
	else
		v->smm = true;
	v->cr0 &= ~(MSIM_CR0_PE | MSIM_CR0_PG | CR0_EM | CR0_TS);
	v->cr4 = 0;
	v->efer = 0;
	kvm_mmu_reset_context(v, RC_SMM);
	kvm_exit_done(v);
}

void msim_kvm_on_rsm(msim_kvm_vcpu *v)
{
	uint64_t cr0 = v->smm_cr0, cr3 = v->smm_cr3, cr4 = v->smm_cr4;
	uint64_t efer = v->smm_efer;

	exit_begin(v);
	smm_changed(v, false);
	/*
	 * emulator_leave_smm() emulator_leave_smm -> rsm_load_state_64: each write goes
	 * through the post-set hooks (any of them may reset).
	 */
	if (v->cr4 & MSIM_CR4_PCIDE)
		post_set_cr4(v, v->cr4, v->cr4 & ~MSIM_CR4_PCIDE);
	if (v->cr0 & (MSIM_CR0_PG | MSIM_CR0_PE))
		post_set_cr0(v, v->cr0, v->cr0 & ~(MSIM_CR0_PG | MSIM_CR0_PE));
	if (v->cr4 & MSIM_CR4_PAE)
		post_set_cr4(v, v->cr4, v->cr4 & ~MSIM_CR4_PAE);
	set_efer(v, 0);
	set_efer(v, efer & ~MSIM_EFER_LMA);
	v->cr3 = cr3 & ~0xfffULL; /* CR3 without PCID first */
	post_set_cr4(v, v->cr4, cr4 & ~MSIM_CR4_PCIDE);
	post_set_cr0(v, v->cr0, cr0);
	if (cr4 & MSIM_CR4_PCIDE)
		post_set_cr4(v, v->cr4, cr4);
	if (v->cr3 != cr3) {
		if (kvm_tdp(v->kvm))
			v->cr3 = cr3;
		else
			set_cr3(v, cr3);
	}
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ misc */

void msim_kvm_on_init(msim_kvm_vcpu *v)
{
	bool was_pg = v->cr0 & MSIM_CR0_PG;

	exit_begin(v);
	v->cr0 = 0x60000010ULL;
	v->cr3 = 0;
	v->cr4 = 0;
	v->efer = 0;
	v->smm = false;
	/* kvm_vcpu_reset() kvm_vcpu_reset */
	if (was_pg) {
		kvm_make_request(v, REQ_FLUSH_GUEST);
		kvm_mmu_reset_context(v, RC_INIT);
	}
	kvm_make_request(v, REQ_FLUSH_GUEST);
	kvm_exit_done(v);
}

void msim_kvm_on_cpuid(msim_kvm_vcpu *v)
{
	v->kvm->cur_vcpu = v->id;
	/* kvm_mmu_after_set_cpuid(): force re-init of every MMU, then reset */
	v->root_mmu.role_valid = false;
	v->guest_mmu.role_valid = false;
	memset(v->root_mmu.rc, 0, sizeof(v->root_mmu.rc));
	kvm_mmu_reset_context(v, RC_CPUID | RC_MUST_UNLOAD);
}

/* kvm_mmu_zap_all_fast() kvm_mmu_zap_all_fast / kvm_mmu_unload() */
static void zap_all_fast(struct msim_kvm *kvm)
{
	kvm->valid_gen ^= 1;
	if (kvm->o.mmu == MSIM_KVM_MMU_TDP_MMU)
		kvm_tdp_mmu_invalidate_all_roots(kvm);
	kvm_make_all_request(kvm, kvm->o.kernel >= 518 ? REQ_FREE_OBSOLETE
						       : REQ_MMU_RELOAD);
	kvm_zap_obsolete_pages(kvm);
}

static void slot_remove(struct msim_kvm *kvm, uint64_t gfn)
{
	for (unsigned i = 0; i < kvm->nslots; i++)
		if (kvm->slots[i].gfn == gfn) {
			kvm->slots[i] = kvm->slots[--kvm->nslots];
			return;
		}
}

void msim_kvm_on_memslot(msim_kvm *kvm, unsigned op, uint64_t gfn,
			 uint64_t npages)
{
	switch (op) {
	case 0: /* create: n_max_mmu_pages = pages / 50, floor 64 (kvm_mmu_zap_oldest_mmu_pages()) */
		if (kvm->nslots < MSIM_ARRAY_SIZE(kvm->slots)) {
			kvm->slots[kvm->nslots].gfn = gfn;
			kvm->slots[kvm->nslots++].npages = npages;
		}
		kvm->memslot_pages += npages;
		if (!kvm->o.max_mmu_pages) {
			uint64_t n = kvm->memslot_pages / 50;

			kvm->n_max = n < 64 ? 64 : n;
		}
		break;
	case 1: /* delete */
	case 2: /* move */
		if (op == 1 && kvm->memslot_pages >= npages)
			kvm->memslot_pages -= npages;
		if (op == 1)
			slot_remove(kvm, gfn);
		zap_all_fast(kvm);
		break;
	default: /* flags: dirty logging is not modelled */
		break;
	}
}

void msim_kvm_on_wrmem(msim_kvm *kvm, uint64_t gpa, unsigned size)
{
	(void)size;
	if (kvm_shadow_track_write(kvm, gpa)) {
		/* the write hit a write-protected guest table: exit + emulate */
		kvm_count(kvm, KC_EXIT, 1);
		kvm_count(kvm, KC_CY_VMEXIT, kvm->cost.vmexit);
		kvm_count(kvm, KC_WRITE_EMUL, 1);
		kvm_count(kvm, KC_CY_EMULATE, kvm->cost.emulate);
		kvm_exit_done(&kvm->vcpus[kvm->cur_vcpu]);
	}
}

void msim_kvm_on_invlpg(msim_kvm_vcpu *v, uint64_t gva)
{
	v->kvm->cur_vcpu = v->id;
	if (kvm_tdp(v->kvm))
		return; /* not intercepted under TDP (kvm_mmu_invlpg()) */
	exit_begin(v);
	if (msim_la_canonical(MSIM_PAGING_4, gva) ||
	    !(v->efer & MSIM_EFER_LMA)) {
		kvm_flush_tlb_gva(v, gva);
		kvm_shadow_invalidate_gva(v, gva, KVM_ROOTS_ALL);
	}
	kvm_exit_done(v);
}

void msim_kvm_on_invpcid(msim_kvm_vcpu *v, unsigned type, uint64_t pcid,
			 uint64_t gva)
{
	struct msim_kvm *kvm = v->kvm;
	uint32_t roots = 0;

	kvm->cur_vcpu = v->id;
	if (kvm_tdp(kvm))
		return;
	exit_begin(v);
	switch (type) {
	case 0: /* kvm_mmu_invpcid_gva() individual address: kvm_mmu_invpcid_gva */
		if (pcid == kvm_active_pcid(v)) {
			kvm_flush_tlb_gva(v, gva);
			roots |= KVM_ROOT_CURRENT;
		}
		for (unsigned i = 0; i < kvm->o.prev_roots; i++)
			if (v->mmu->prev[i].sp &&
			    (v->mmu->prev[i].pgd & 0xfff) == pcid)
				roots |= KVM_ROOT_PREVIOUS(i);
		kvm_shadow_invalidate_gva(v, gva, roots);
		break;
	case 1:
		invalidate_pcid(v, pcid);
		break;
	default: /* 2/3: all contexts (<= ~5.13: unload) */
		if (kvm->o.kernel >= 514)
			kvm_make_request(v, REQ_FLUSH_GUEST);
		else
			kvm_mmu_unload(v);
		break;
	}
	kvm_exit_done(v);
}

/* ------------------------------------------------------------ access */

static uint64_t cycles_sum(const struct msim_kvm *kvm)
{
	uint64_t s = 0;

	for (unsigned i = KC_CY_VMEXIT; i < KC__COUNT; i++)
		s += kvm->cnt[i];
	return s;
}

int msim_kvm_access(msim_kvm_vcpu *v, uint64_t gva, unsigned access,
		    const msim_walk_result *gw, msim_kvm_access_res *res)
{
	struct msim_kvm *kvm = v->kvm;
	msim_walk_result own;
	uint64_t before;
	int rc;

	memset(res, 0, sizeof(*res));
	if (kvm->o.cpl0_emulated && !(access & MSIM_WACC_USER)) {
		/*
		 * PVM (traces/kvm/README.md): ring-0 guest code runs in the
		 * instruction emulator, which walks the guest tables in
		 * software (kvm_mmu_pagetable_walk) and creates no shadow
		 * pages.
		 */
		kvm_count(kvm, KC_EMUL_ACCESS, 1);
		kvm_count(kvm, KC_CY_EMULATE, kvm->cost.emulate);
		res->exits = 1;
		res->emulated = true;
		res->cycles = kvm->cost.emulate;
		return 0;
	}
	if (msim_unlikely(v->req || !v->mmu->root.sp))
		msim_kvm_before_entry(v);
	if (!kvm_tdp(kvm) && !v->mmu->root_role_f.direct &&
	    kvm_shadow_present(v, gva, access))
		return 0; /* hardware walks KVM's tables: no exit */
	if (!gw) {
		msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
		msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
		msim_walk_opts wo = MSIM_WALK_OPTS_INIT;

		regs.cr0 = v->cr0;
		regs.cr3 = v->cr3;
		regs.cr4 = v->cr4;
		regs.efer = v->efer;
		memcpy(regs.pdpte, v->pdpte, sizeof(regs.pdpte));
		wo.no_ad = true;
		if (!kvm->gmem)
			return msim_err(MSIM_EINVAL, "kvm: no guest memory to walk");
		rc = msim_walk(kvm->gmem, &cpu, &regs, &wo, gva, access, &own);
		if (rc)
			return rc;
		gw = &own;
	}
	before = cycles_sum(kvm);
	kvm->cur_vcpu = v->id;
	if (kvm_tdp(kvm)) {
		rc = kvm_tdp_access(v, gw, res);
	} else {
		bool direct = v->mmu->root_role_f.direct;

		if (direct && kvm_shadow_present(v, gva, access))
			return 0;
		rc = kvm_shadow_fault(v, gva, access, gw, direct, res);
	}
	res->cycles = cycles_sum(kvm) - before;
	return rc;
}

