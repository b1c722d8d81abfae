/*
 * The per-MMU root cache: current root + prev_roots, LRU rotation,
 * freeing, unload/load and obsolete roots (
 * is_root_usable(), kvm_mmu_free_roots()). The cache size is opts.prev_roots (3 upstream, struct kvm_mmu_root_info (kvm_host.h)).
 * SPDX-License-Identifier: MIT
 */
#include "kvm/kvm_internal.h"

#define ROLE_GUEST_MODE(w) (((w) >> 17) & 1)

bool kvm_root_usable(const struct kvm_root *r, uint64_t pgd, uint32_t role,
		     bool direct, unsigned kernel)
{
	/* is_root_usable(): pgd ignored for direct roles from 5.18; is_root_usable() before */
	bool pgd_ok = (kernel >= 518 && direct) || r->pgd == pgd;

	return r->sp && pgd_ok && !r->sp->special && r->sp->role == role;
}

static void swap_root(struct kvm_root *a, struct kvm_root *b)
{
	struct kvm_root t = *a;

	*a = *b;
	*b = t;
}

static bool usable(const struct msim_kvm *kvm, const struct kvm_mmu *mmu,
		   const struct kvm_root *r, uint64_t pgd, uint32_t role)
{
	return kvm_root_usable(r, pgd, role, mmu->root_role_f.direct,
			       kvm->o.kernel);
}

/*
 * cached_root_find_and_keep_current() (cached_root_find_and_keep_current; cached_root_available() cached_root_available
 * before 5.18 rotates the same way): swap current with prev[i] for each i,
 * so the old current ends MRU and a miss leaves the LRU in the current
 * slot, which is then freed.
 */
static bool find_and_keep_current(struct msim_kvm *kvm, struct kvm_mmu *mmu,
				  uint64_t pgd, uint32_t role, int *hit)
{
	if (usable(kvm, mmu, &mmu->root, pgd, role)) {
		*hit = -1;
		return true;
	}
	for (unsigned i = 0; i < kvm->o.prev_roots; i++) {
		swap_root(&mmu->root, &mmu->prev[i]);
		if (usable(kvm, mmu, &mmu->root, pgd, role)) {
			*hit = (int)i;
			return true;
		}
	}
	kvm_free_roots(kvm, mmu, KVM_ROOT_CURRENT);
	return false;
}

/* cached_root_find_without_current() (cached_root_find_without_current) */
static bool find_without_current(struct msim_kvm *kvm, struct kvm_mmu *mmu,
				 uint64_t pgd, uint32_t role, int *hit)
{
	unsigned n = kvm->o.prev_roots, i;

	for (i = 0; i < n; i++)
		if (usable(kvm, mmu, &mmu->prev[i], pgd, role))
			break;
	if (i == n)
		return false;
	*hit = (int)i;
	swap_root(&mmu->root, &mmu->prev[i]);
	for (; i + 1 < n; i++)
		mmu->prev[i] = mmu->prev[i + 1];
	mmu->prev[n - 1].sp = NULL; /* pgd left stale, as upstream */
	return true;
}

bool kvm_fast_pgd_switch(struct msim_kvm_vcpu *v, struct kvm_mmu *mmu,
			 uint64_t pgd, uint32_t role)
{
	struct msim_kvm *kvm = v->kvm;
	bool ok;
	int hit = -2;

	if (kvm->o.kernel >= 518 || kvm->o.pae_free_early) {
		/* fast_pgd_switch() / the PAE-root / PGD-caching review of Paolo Bonzini's patch (Feb 9 2022): a special (PAE) root is freed first */
		if (mmu->root.sp && mmu->root.sp->special)
			kvm_free_roots(kvm, mmu, KVM_ROOT_CURRENT);
		if (mmu->root.sp)
			ok = find_and_keep_current(kvm, mmu, pgd, role, &hit);
		else
			ok = find_without_current(kvm, mmu, pgd, role, &hit);
	} else {
		/*
		 * fast_pgd_switch(): before 5.18 only 64-bit guests on a 64-bit MMU
		 * tried the cache; otherwise the caller frees the root.
		 */
		unsigned rl = mmu->gate_valid ? mmu->gate_root_level
					       : mmu->root_role_f.level;
		unsigned cl = mmu->gate_valid ? mmu->gate_cpu_level
					       : mmu->cpu_role.base.level;
		bool direct = mmu->gate_valid ? mmu->gate_direct
					      : mmu->root_role_f.direct;

		if (rl >= 4 && (cl >= 4 || direct) && mmu->root.sp)
			ok = find_and_keep_current(kvm, mmu, pgd, role, &hit);
		else
			ok = false;
		if (!ok)
			kvm_free_roots(kvm, mmu, KVM_ROOT_CURRENT);
	}
	if (ok) {
		kvm_count(kvm, hit < 0 ? KC_HIT_CUR : KC_HIT_PREV, 1);
		if (hit >= 0) /* the root_cache_hit[i] counters */
			kvm_count(kvm, (enum kvm_counter)(KC_HIT0 + hit), 1);
		if (hit >= 0)
			kvm_observe(kvm, MSIM_EXP_ROOT, 2, mmu->root.sp->gfn,
				    mmu->root.sp->role);
	} else {
		kvm_count(kvm, KC_MISS, 1);
	}
	return ok;
}

void kvm_new_pgd(struct msim_kvm_vcpu *v, struct kvm_mmu *mmu, uint64_t pgd)
{
	struct msim_kvm *kvm = v->kvm;

	kvm_count(kvm, KC_NEW_PGD, 1);
	/* kvm_init_mmu(): always mmu->root_role; callers update roles first */
	if (!kvm_fast_pgd_switch(v, mmu, pgd, mmu->root_role))
		return; /* kvm_mmu_reload allocates before the next entry */
	kvm_make_request(v, REQ_LOAD_PGD);
	if (kvm->o.flush_on_reuse)
		kvm_make_request(v, REQ_MMU_SYNC | REQ_FLUSH_CURRENT);
	if (!mmu->root_role_f.direct)
		mmu->root.sp->write_flood = 0;
}

/* mmu_free_root_page (mmu_free_root_page()) */
static void free_root_page(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	if (sp->tdp_mmu) {
		kvm_tdp_mmu_put_root(kvm, sp);
		return;
	}
	if (sp->special) {
		for (unsigned i = 0; i < 4; i++)
			if (sp->pae[i]) {
				kvm_shadow_put_root(kvm, sp->pae[i]);
				sp->pae[i] = NULL;
			}
		return;
	}
	kvm_shadow_put_root(kvm, sp);
}

void kvm_free_roots(struct msim_kvm *kvm, struct kvm_mmu *mmu, uint32_t mask)
{
	bool any = (mask & KVM_ROOT_CURRENT) && mmu->root.sp;

	for (unsigned i = 0; i < kvm->o.prev_roots && !any; i++)
		any = (mask & KVM_ROOT_PREVIOUS(i)) && mmu->prev[i].sp;
	if (!any)
		return; /* mmu_free_root_page(): nothing valid selected */
	kvm_count(kvm, KC_CY_ROOT, kvm->cost.root_free);
	for (unsigned i = 0; i < kvm->o.prev_roots; i++) {
		if ((mask & KVM_ROOT_PREVIOUS(i)) && mmu->prev[i].sp) {
			free_root_page(kvm, mmu->prev[i].sp);
			mmu->prev[i].sp = NULL;
			kvm_count(kvm, KC_ROOT_FREED, 1);
		}
	}
	if ((mask & KVM_ROOT_CURRENT) && mmu->root.sp) {
		free_root_page(kvm, mmu->root.sp);
		mmu->root.sp = NULL;
		mmu->root.pgd = 0;
		kvm_count(kvm, KC_ROOT_FREED, 1);
	}
	kvm_commit_zap(kvm);
}

void kvm_mmu_unload(struct msim_kvm_vcpu *v)
{
	/* kvm_mmu_free_roots(): both root_mmu and guest_mmu, every slot */
	kvm_count(v->kvm, KC_UNLOAD, 1);
	kvm_free_roots(v->kvm, &v->root_mmu, KVM_ROOTS_ALL);
	kvm_free_roots(v->kvm, &v->guest_mmu, KVM_ROOTS_ALL);
}

/* mmu_alloc_root: get_shadow_page + root_count++ (make_mmu_pages_available()) */
static struct kvm_sp *alloc_shadow_root(struct msim_kvm *kvm, uint64_t gfn,
					const msim_kvm_role *base,
					unsigned quadrant, unsigned level,
					uint32_t word)
{
	msim_kvm_role r = *base;
	bool word_ok = level == base->level && quadrant == base->quadrant;
	struct kvm_sp *sp;
	bool created;

	r.level = (uint8_t)level;
	r.quadrant = (uint8_t)quadrant;
	sp = kvm_get_shadow_page(kvm, gfn, word_ok ? word :
				 msim_kvm_role_word(&r, kvm->o.kernel),
				 &r, true, &created);
	if (!sp)
		return NULL;
	sp->root_count++;
	kvm_count(kvm, created ? KC_ROOT_CREATED : KC_ROOT_FOUND, 1);
	/* a hash hit pays only the lookup (charged by get_shadow_page) */
	if (created)
		kvm_count(kvm, KC_CY_ROOT, kvm->cost.root_alloc);
	kvm_observe(kvm, MSIM_EXP_ROOT, created ? 0 : 1, sp->gfn, sp->role);
	return sp;
}

static int alloc_special_root(struct msim_kvm_vcpu *v, struct kvm_mmu *mmu)
{
	struct msim_kvm *kvm = v->kvm;
	const msim_kvm_role *rr = &mmu->root_role_f;
	struct kvm_sp *s = &mmu->pae_root;

	s->special = true;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t gfn;
		unsigned quadrant = 0;

		if (rr->direct) {
			gfn = (uint64_t)i << (30 - 12); /* mmu_alloc_direct_roots */
		} else if (mmu->cpu_role.base.level == 3) {
			if (!(v->pdpte[i] & MSIM_PTE_P)) {
				s->pae[i] = NULL; /* absent PDPTE: invalid entry */
				continue;
			}
			gfn = (v->pdpte[i] & MSIM_GENMASK(51, 12)) >> 12;
		} else {
			/* 2-level guest: one guest PD, four quadrants */
			gfn = (v->cr3 & MSIM_GENMASK(31, 12)) >> 12;
			quadrant = i;
		}
		s->pae[i] = alloc_shadow_root(kvm, gfn, rr, quadrant, 2, mmu->root_role);
		if (!s->pae[i])
			return MSIM_ENOMEM;
	}
	mmu->root.sp = s;
	mmu->root.pgd = mmu->is_guest_mmu ? v->eptp12 : v->cr3;
	return 0;
}

int kvm_mmu_load(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = v->mmu;
	const msim_kvm_role *rr = &mmu->root_role_f;

	kvm_count(kvm, KC_MMU_LOAD, 1);
	kvm_count(kvm, KC_CY_ROOT, kvm->cost.root_load);
	if (kvm->o.mmu != MSIM_KVM_MMU_TDP_MMU || mmu->is_guest_mmu)
		kvm_make_pages_available(kvm);
	if (mmu->is_guest_mmu) {
		/* nested EPT: shadow of EPT12, keyed by the EPTP12 frame */
		uint64_t gfn = (v->eptp12 & MSIM_GENMASK(51, 12)) >> 12;

		mmu->root.sp = alloc_shadow_root(kvm, gfn, rr, 0, rr->level, mmu->root_role);
		mmu->root.pgd = v->eptp12;
	} else if (kvm->o.mmu == MSIM_KVM_MMU_TDP_MMU) {
		mmu->root.sp = kvm_tdp_mmu_alloc_root(v, mmu);
		mmu->root.pgd = 0;
	} else if (kvm->o.mmu == MSIM_KVM_MMU_LEGACY_TDP) {
		mmu->root.sp = alloc_shadow_root(kvm, 0, rr, 0, rr->level, mmu->root_role);
		mmu->root.pgd = 0;
	} else if (rr->level >= 4) {
		uint64_t gfn = (v->cr3 & MSIM_GENMASK(51, 12)) >> 12;

		if (kvm->o.kernel >= 607 && !kvm_gfn_visible(kvm, gfn)) {
			/*
			 * fast_pgd_switch() (~6.7, UNVERIFIED version): a root gfn in no
			 * visible memslot gets the shared dummy root: no
			 * shadow page, never cached, freed on the next switch.
			 */
			mmu->pae_root.special = true;
			for (unsigned i = 0; i < 4; i++)
				mmu->pae_root.pae[i] = NULL;
			mmu->root.sp = &mmu->pae_root;
			mmu->root.pgd = v->cr3;
			kvm_count(kvm, KC_DUMMY, 1);
			return 0;
		}
		mmu->root.sp = alloc_shadow_root(kvm, gfn, rr, 0, rr->level, mmu->root_role);
		mmu->root.pgd = v->cr3;
	} else {
		int rc = alloc_special_root(v, mmu);

		if (rc)
			return rc;
	}
	if (!mmu->root.sp)
		return MSIM_ENOMEM;
	/* kvm_mmu_load(): sync, load the pgd, then flush the current context */
	if (!rr->direct)
		kvm_sync_roots(v);
	if (kvm->o.kernel >= 508)
		kvm_flush_tlb_current(v);
	else
		kvm_flush_tlb_all(v); /* vmx_set_cr3(): vmx_set_cr3 flushed everything */
	return 0;
}

bool kvm_root_obsolete(const struct msim_kvm *kvm, const struct kvm_sp *sp)
{
	/* kvm_mmu_zap_all_fast(): no shadow page -> cannot be checked -> obsolete */
	if (sp->special || sp->invalid)
		return true;
	return !sp->tdp_mmu && sp->gen != kvm->valid_gen;
}

static void free_obsolete(struct msim_kvm *kvm, struct kvm_mmu *mmu)
{
	uint32_t mask = 0;

	if (mmu->root.sp && kvm_root_obsolete(kvm, mmu->root.sp))
		mask |= KVM_ROOT_CURRENT;
	for (unsigned i = 0; i < kvm->o.prev_roots; i++)
		if (mmu->prev[i].sp && kvm_root_obsolete(kvm, mmu->prev[i].sp))
			mask |= KVM_ROOT_PREVIOUS(i);
	if (mask) {
		kvm_count(kvm, KC_OBSOLETE, (uint64_t)__builtin_popcount(mask));
		kvm_free_roots(kvm, mmu, mask);
	}
}

void kvm_free_obsolete_roots(struct msim_kvm_vcpu *v)
{
	free_obsolete(v->kvm, &v->root_mmu);
	free_obsolete(v->kvm, &v->guest_mmu);
}

void kvm_free_guest_mode_roots(struct msim_kvm *kvm, struct kvm_mmu *mmu)
{
	uint32_t mask = 0;

	/* kvm_mmu_free_roots(): prev roots only */
	for (unsigned i = 0; i < kvm->o.prev_roots; i++) {
		struct kvm_sp *sp = mmu->prev[i].sp;

		if (sp && (sp->special || ROLE_GUEST_MODE(sp->role)))
			mask |= KVM_ROOT_PREVIOUS(i);
	}
	kvm_free_roots(kvm, mmu, mask);
}

/* kvm_mmu_sync_roots() kvm_mmu_sync_prev_roots: unsync prev roots are freed, not synced */
void kvm_sync_prev_roots(struct msim_kvm_vcpu *v)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_mmu *mmu = v->mmu;
	uint32_t mask = 0;

	if (!kvm->n_unsync)
		return;
	for (unsigned i = 0; i < kvm->o.prev_roots; i++)
		if (mmu->prev[i].sp && kvm_root_has_unsync(mmu->prev[i].sp))
			mask |= KVM_ROOT_PREVIOUS(i);
	kvm_free_roots(kvm, mmu, mask);
}
