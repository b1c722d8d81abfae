/*
 * Shadow pages: the (gfn, role) hash, allocation, zap/commit, reclaim,
 * write tracking, unsync/sync and the shadow page-fault path
 * ( kvm_mmu_get_page(), kvm_mmu_sync_roots()). Legacy TDP uses the same hash
 * for its direct pages.
 *
 * A shadow page keeps child links (spt[]) and a leaf-SPTE bitmap; that is
 * the presence model the hardware "walks": an access whose path is fully
 * present needs no exit.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_internal.h"

#define ROLE_INVALID_BIT (1u << 11)
/* KVM's ACC_* bits of role.access */
#define ACC_EXEC 1u
#define ACC_WRITE 2u
#define ACC_USER 4u

static bool sp_obsolete(const struct msim_kvm *kvm, const struct kvm_sp *sp)
{
	return sp->invalid || (!sp->tdp_mmu && sp->gen != kvm->valid_gen);
}

/* mmu_valid_gen(): header from the caches, stamp gen, active list head, hash */
static struct kvm_sp *alloc_shadow_page(struct msim_kvm *kvm, uint64_t gfn,
					uint32_t role, const msim_kvm_role *rf)
{
	struct kvm_sp *sp = kvm_sp_new(kvm, gfn, role, rf);
	unsigned b = kvm_hash_bucket(gfn);

	if (!sp)
		return NULL;
	sp->hnext = kvm->hash[b];
	kvm->hash[b] = sp;
	sp->anext = kvm->active.anext;
	sp->aprev = &kvm->active;
	kvm->active.anext->aprev = sp;
	kvm->active.anext = sp;
	sp->on_active = true;
	kvm->n_used++;
	kvm_count(kvm, KC_SP_CREATED, 1);
	kvm_count(kvm, KC_CY_SP, kvm->cost.sp_alloc);
	if (!rf->direct) /* account_shadowed write-protects the guest frame */
		kvm_count(kvm, KC_CY_SP, kvm->cost.write_protect);
	return sp;
}

/* kvm_sync_page: leaf SPTEs whose gpte was written are dropped */
static bool sync_page(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	bool changed = false;

	for (unsigned i = 0; i < KVM_SPTES / 64; i++) {
		if (sp->leaf[i] & sp->written[i])
			changed = true;
		sp->leaf[i] &= ~sp->written[i];
		sp->wr[i] &= ~sp->written[i];
		sp->written[i] = 0;
	}
	kvm_count(kvm, KC_SYNC_PAGE, 1);
	kvm_count(kvm, KC_CY_SYNC, kvm->cost.sync_page);
	kvm_observe(kvm, MSIM_EXP_SYNC, 0, sp->gfn, sp->role);
	return changed;
}

struct kvm_sp *kvm_get_shadow_page(struct msim_kvm *kvm, uint64_t gfn,
				   uint32_t role, const msim_kvm_role *rf,
				   bool is_root, bool *created)
{
	struct kvm_sp *sp, *next;
	bool flush = false;

	kvm_count(kvm, KC_CY_HASH, kvm->cost.hash_lookup);
	/* kvm_mmu_get_page() kvm_mmu_find_shadow_page */
	for (sp = kvm->hash[kvm_hash_bucket(gfn)]; sp; sp = next) {
		next = sp->hnext;
		if (sp->gfn != gfn || sp_obsolete(kvm, sp))
			continue;
		if (sp->role != role) {
			/* frame reused as an upper-level table: zap unsync leaf */
			if (rf->level > 1 && sp->unsync)
				kvm_prepare_zap(kvm, sp);
			continue;
		}
		if (!sp->direct && sp->unsync)
			flush |= sync_page(kvm, sp);
		sp->write_flood = 0;
		break;
	}
	if (flush)
		kvm_flush_remote_tlbs(kvm);
	kvm_commit_zap(kvm);
	if (sp) {
		*created = false;
		kvm_count(kvm, KC_SP_FOUND, 1);
		if (!is_root)
			kvm_observe(kvm, MSIM_EXP_SP, 1, gfn, role);
		return sp;
	}
	*created = true;
	sp = alloc_shadow_page(kvm, gfn, role, rf);
	if (sp && !is_root)
		kvm_observe(kvm, MSIM_EXP_SP, 0, gfn, role);
	return sp;
}

static int link_child(struct msim_kvm *kvm, struct kvm_sp *parent, unsigned idx,
		      struct kvm_sp *child)
{
	if (!parent->spt) {
		parent->spt = calloc(KVM_SPTES, sizeof(*parent->spt));
		if (!parent->spt)
			return msim_err(MSIM_ENOMEM, "out of memory (spt)");
	}
	if (child->nparents == child->capparents) {
		unsigned nc = child->capparents ? child->capparents * 2 : 2;
		struct kvm_parent *np = realloc(child->parents, nc * sizeof(*np));

		if (!np)
			return msim_err(MSIM_ENOMEM, "out of memory (parents)");
		child->parents = np;
		child->capparents = nc;
	}
	child->parents[child->nparents++] = (struct kvm_parent){ parent, idx };
	parent->spt[idx] = child;
	if (parent->direct && child->direct)
		kvm_mat_set(kvm, parent, idx, child->hpa, false);
	return 0;
}

static void drop_parent(struct kvm_sp *child, struct kvm_sp *parent,
			unsigned idx)
{
	for (unsigned i = 0; i < child->nparents; i++)
		if (child->parents[i].sp == parent && child->parents[i].idx == idx) {
			child->parents[i] = child->parents[--child->nparents];
			return;
		}
}

static unsigned count_sptes(const struct kvm_sp *sp)
{
	unsigned n = 0;

	for (unsigned i = 0; i < KVM_SPTES / 64; i++)
		n += (unsigned)__builtin_popcountll(sp->leaf[i]);
	if (sp->spt)
		for (unsigned i = 0; i < KVM_SPTES; i++)
			n += sp->spt[i] != NULL;
	return n + sp->tree.used;
}

/* kvm_mmu_prepare_zap_page() kvm_mmu_prepare_zap_page */
void kvm_prepare_zap(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	unsigned nspte;

	if (sp->invalid)
		return;
	nspte = count_sptes(sp);
	kvm_count(kvm, KC_SP_ZAPPED, 1);
	kvm_count(kvm, KC_SPTE_ZAPPED, nspte);
	kvm_count(kvm, KC_CY_ZAP, kvm->cost.zap_spte * (nspte + 1));
	kvm_observe(kvm, MSIM_EXP_ZAP, 0, sp->gfn, sp->role);
	sp->invalid = true;
	sp->role |= ROLE_INVALID_BIT;
	/* unlink children; nested-TDP orphans go too (kvm_mmu_prepare_zap_page(), kvm_mmu_commit_zap_page()) */
	if (sp->spt) {
		for (unsigned i = 0; i < KVM_SPTES; i++) {
			struct kvm_sp *c = sp->spt[i];

			if (!c)
				continue;
			sp->spt[i] = NULL;
			drop_parent(c, sp, i);
			if (kvm_tdp(kvm) && !c->direct && !c->nparents &&
			    !c->root_count)
				kvm_prepare_zap(kvm, c);
		}
	}
	memset(sp->leaf, 0, sizeof(sp->leaf));
	memset(sp->wr, 0, sizeof(sp->wr));
	kvm_gfnset_clear(&sp->tree);
	kvm_mat_clear_tree(kvm, sp); /* its materialised entries */
	/* unlink parents */
	for (unsigned i = 0; i < sp->nparents; i++) {
		sp->parents[i].sp->spt[sp->parents[i].idx] = NULL;
		kvm_mat_clear(kvm, sp->parents[i].sp, sp->parents[i].idx);
	}
	sp->nparents = 0;
	if (sp->unsync)
		kvm->n_unsync--;
	sp->unsync = false;
	if (!sp->root_count) {
		if (kvm->nzap == kvm->capzap) {
			unsigned nc = kvm->capzap ? kvm->capzap * 2 : 16;
			struct kvm_sp **nl = realloc(kvm->zap_list, nc * sizeof(*nl));

			if (!nl) { /* cannot defer: free now */
				kvm_sp_destroy(kvm, sp);
				return;
			}
			kvm->zap_list = nl;
			kvm->capzap = nc;
		}
		kvm->zap_list[kvm->nzap++] = sp;
	} else {
		/* kvm_mmu_free_roots(): a zapped root leaves the active list; vCPUs drop it */
		bool was_obsolete = sp->gen != kvm->valid_gen;

		kvm_sp_active_del(sp);
		if (!was_obsolete)
			kvm_make_all_request(kvm, kvm->o.kernel >= 518 ?
					     REQ_FREE_OBSOLETE : REQ_MMU_RELOAD);
	}
	if (kvm->o.zap_flush == MSIM_KVM_ZAP_PER_TABLE)
		kvm_flush_remote_tlbs(kvm);
	else
		kvm->zap_list_flush = true;
}

/* kvm_mmu_prepare_zap_page() kvm_mmu_commit_zap_page: one remote flush for the whole batch */
void kvm_commit_zap(struct msim_kvm *kvm)
{
	if (msim_likely(!kvm->zap_list_flush && !kvm->nzap))
		return;
	if (kvm->zap_list_flush) {
		kvm->zap_list_flush = false;
		kvm_flush_remote_tlbs(kvm);
	}
	for (unsigned i = 0; i < kvm->nzap; i++)
		kvm_sp_destroy(kvm, kvm->zap_list[i]);
	kvm->nzap = 0;
}

void kvm_shadow_put_root(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	/* mmu_free_root_page(): only a zapped (invalid) root is freed on its last put */
	if (sp->root_count)
		sp->root_count--;
	if (!sp->root_count && sp->invalid)
		kvm_sp_destroy(kvm, sp);
}

/* kvm_mmu_zap_all_fast(): obsolete pages from the tail of the active list */
void kvm_zap_obsolete_pages(struct msim_kvm *kvm)
{
	struct kvm_sp *sp = kvm->active.aprev, *prev;

	for (; sp != &kvm->active; sp = prev) {
		prev = sp->aprev;
		if (sp_obsolete(kvm, sp))
			kvm_prepare_zap(kvm, sp);
	}
	kvm_commit_zap(kvm);
}

/* kvm_mmu_zap_oldest_mmu_pages(): reclaim from the tail, skipping roots in use or cached */
void kvm_make_pages_available(struct msim_kvm *kvm)
{
	uint64_t avail = kvm->n_max > kvm->n_used ? kvm->n_max - kvm->n_used : 0;
	uint64_t want;
	struct kvm_sp *sp, *prev;

	if (avail >= 5) /* KVM_MIN_FREE_MMU_PAGES */
		return;
	want = 25 - avail; /* KVM_REFILL_PAGES */
	for (sp = kvm->active.aprev; sp != &kvm->active && want; sp = prev) {
		prev = sp->aprev;
		if (sp->root_count)
			continue;
		kvm_prepare_zap(kvm, sp);
		kvm_count(kvm, KC_RECLAIM, 1);
		want--;
	}
	kvm_commit_zap(kvm);
}

/* Depth-first over a shadow tree (a DAG: shared children are revisited). */
static bool tree_has_unsync(const struct kvm_sp *sp, unsigned depth)
{
	if (sp->unsync)
		return true;
	if (!sp->spt || depth > 6)
		return false;
	for (unsigned i = 0; i < KVM_SPTES; i++)
		if (sp->spt[i] && tree_has_unsync(sp->spt[i], depth + 1))
			return true;
	return false;
}

bool kvm_root_has_unsync(const struct kvm_sp *root)
{
	if (root->special) {
		for (unsigned i = 0; i < 4; i++)
			if (root->pae[i] && tree_has_unsync(root->pae[i], 0))
				return true;
		return false;
	}
	return tree_has_unsync(root, 0);
}

static bool sync_tree(struct msim_kvm *kvm, struct kvm_sp *sp, unsigned depth)
{
	bool changed = false;

	if (sp->unsync) {
		changed = sync_page(kvm, sp);
		sp->unsync = false; /* write-protected again (kvm_mmu_sync_roots()) */
		kvm->n_unsync--;
	}
	if (!sp->spt || depth > 6)
		return changed;
	for (unsigned i = 0; i < KVM_SPTES; i++)
		if (sp->spt[i])
			changed |= sync_tree(kvm, sp->spt[i], depth + 1);
	return changed;
}

void kvm_sync_root(struct msim_kvm *kvm, struct kvm_sp *root)
{
	bool changed = false;

	if (!kvm->n_unsync)
		return;
	if (root->special) {
		for (unsigned i = 0; i < 4; i++)
			if (root->pae[i])
				changed |= sync_tree(kvm, root->pae[i], 0);
	} else {
		changed = sync_tree(kvm, root, 0);
	}
	if (changed)
		kvm_flush_remote_tlbs(kvm);
}

/* kvm_mmu_sync_roots() kvm_mmu_sync_roots: current root only; direct MMUs: no-op */
void kvm_sync_roots(struct msim_kvm_vcpu *v)
{
	struct kvm_mmu *mmu = v->mmu;

	if (!mmu->root.sp || mmu->root_role_f.direct)
		return;
	kvm_count(v->kvm, KC_SYNC_ROOTS, 1);
	kvm_count(v->kvm, KC_CY_SYNC, v->kvm->cost.sync_roots);
	kvm_sync_root(v->kvm, mmu->root.sp);
}

static void mark_unsync(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	sp->unsync = true;
	kvm->n_unsync++;
	memset(sp->written, 0, sizeof(sp->written));
	kvm_count(kvm, KC_UNSYNC, 1);
	kvm_observe(kvm, MSIM_EXP_UNSYNC, 0, sp->gfn, sp->role);
}

/*
 * mmu_try_to_unsync_pages (mmu_try_to_unsync_pages(), mmu_sync_children()): false if the frame is an
 * upper-level guest table (write-tracked), else every level-1 page at the
 * gfn goes unsync and the mapping may be writable.
 */
static bool try_unsync(struct msim_kvm *kvm, uint64_t gfn)
{
	struct kvm_sp *sp;

	for (sp = kvm->hash[kvm_hash_bucket(gfn)]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && !sp->direct && !sp_obsolete(kvm, sp) &&
		    sp->level > 1)
			return false;
	for (sp = kvm->hash[kvm_hash_bucket(gfn)]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && !sp->direct && !sp_obsolete(kvm, sp) &&
		    !sp->unsync)
			mark_unsync(kvm, sp);
	return true;
}

static inline unsigned level_index(uint64_t gva, unsigned level)
{
	return (unsigned)(gva >> (12 + 9 * (level - 1))) & (KVM_SPTES - 1);
}

/* Start of the hardware shadow walk: root page and its level. */
static struct kvm_sp *walk_start(const struct kvm_sp *root, uint64_t gva,
				 unsigned *level)
{
	if (root->special) {
		*level = 2;
		return root->pae[(gva >> 30) & 3];
	}
	*level = root->level;
	return (struct kvm_sp *)root;
}

static inline bool bit_test(const uint64_t *b, unsigned i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/*
 * The hardware walk of the shadow tables: true if the access completes
 * without a fault (a write needs a writable leaf SPTE).
 */
bool kvm_shadow_present(const struct msim_kvm_vcpu *v, uint64_t gva,
			unsigned access)
{
	const struct kvm_sp *root = v->mmu->root.sp;
	struct kvm_sp *sp;
	unsigned level;

	if (!root)
		return false;
	sp = walk_start(root, gva, &level);
	for (; sp && level > 1; level--) {
		if (!sp->spt)
			return false;
		sp = sp->spt[level_index(gva, level)];
	}
	if (!sp)
		return false;
	return bit_test((access & MSIM_WACC_WRITE) ? sp->wr : sp->leaf,
			level_index(gva, 1));
}

static uint8_t acc_of(const msim_rights *r)
{
	return (uint8_t)((r->xd ? 0 : ACC_EXEC) | (r->rw ? ACC_WRITE : 0) |
			 (r->us ? ACC_USER : 0));
}

int kvm_shadow_fault(struct msim_kvm_vcpu *v, uint64_t gva, unsigned access,
		     const msim_walk_result *gw, bool direct_map,
		     msim_kvm_access_res *res)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_sp *sp;
	unsigned level, idx;
	msim_kvm_role r;
	bool created;
	int rc;

	kvm_count(kvm, KC_SHADOW_FAULT, 1);
	kvm_count(kvm, KC_CY_SHADOW_FAULT, kvm->cost.shadow_fault);
	res->exits++;
	kvm_vmexit_cost(v);
	if (gw->fault.kind != MSIM_FAULT_NONE) {
		/* FNAME(page_fault) found a guest fault: reinject #PF */
		kvm_count(kvm, KC_GUEST_PF, 1);
		res->guest_fault = true;
		return 0;
	}
	sp = walk_start(v->mmu->root.sp, gva, &level);
	if (!sp)
		return 0;
	sp->write_flood = 0;
	for (; level > 1; level--) {
		struct kvm_sp *child;
		uint64_t gfn;

		idx = level_index(gva, level);
		child = sp->spt ? sp->spt[idx] : NULL;
		if (child) {
			child->write_flood = 0;
			sp = child;
			continue;
		}
		/* kvm_mmu_child_role() kvm_mmu_child_role */
		msim_kvm_role_decode(sp->role, kvm->o.kernel, &r);
		r.level = (uint8_t)(level - 1);
		r.passthrough = 0;
		r.quadrant = 0;
		r.invalid = 0;
		if (direct_map || gw->leaf_level >= level) {
			/* guest huge page: a direct page splits it */
			uint64_t span = 1ULL << (9 * (level - 1));

			r.direct = 1;
			r.access = direct_map ? 7 : acc_of(&gw->rights);
			gfn = (gw->gpa >> 12) & ~(span - 1);
		} else {
			r.direct = 0;
			r.access = acc_of(&gw->entries[level].acc);
			if (r.has_4_byte_gpte && level - 1 == 1)
				r.quadrant = (uint8_t)((gva >> 21) & 1);
			gfn = gw->entries[level - 1].gpa >> 12;
		}
		child = kvm_get_shadow_page(kvm, gfn,
					    msim_kvm_role_word(&r, kvm->o.kernel),
					    &r, false, &created);
		if (!child)
			return MSIM_ENOMEM;
		rc = link_child(kvm, sp, idx, child);
		if (rc)
			return rc;
		res->mapped++;
		kvm_count(kvm, KC_CY_SHADOW_FAULT, kvm->cost.spte_set);
		sp = child;
	}
	idx = level_index(gva, 1);
	if (!bit_test(sp->leaf, idx)) {
		sp->leaf[idx / 64] |= 1ULL << (idx % 64);
		res->mapped++;
		kvm_count(kvm, KC_CY_SHADOW_FAULT, kvm->cost.spte_set);
	}
	if (access & MSIM_WACC_WRITE) {
		/* a writable mapping of a guest table frame needs unsync */
		if (direct_map || try_unsync(kvm, gw->gpa >> 12)) {
			sp->wr[idx / 64] |= 1ULL << (idx % 64);
		} else {
			/* write-protected upper-level table: emulate */
			kvm_count(kvm, KC_WRITE_EMUL, 1);
			kvm_count(kvm, KC_CY_EMULATE, kvm->cost.emulate);
			kvm_shadow_track_write(kvm, gw->gpa);
		}
	}
	return 0;
}

/*
 * kvm_mmu_track_write() kvm_mmu_track_write (also the unsync bookkeeping of wrmem).
 * Returns true if the frame was write-protected (the write trapped).
 */
bool kvm_shadow_track_write(struct msim_kvm *kvm, uint64_t gpa)
{
	uint64_t gfn = gpa >> 12;
	unsigned idx = (unsigned)(gpa & 0xfff) / 8;
	struct kvm_sp *sp, *next;
	bool flush = false, trapped = false;

	for (sp = kvm->hash[kvm_hash_bucket(gfn)]; sp; sp = next) {
		next = sp->hnext;
		if (sp->gfn != gfn || sp->direct || sp_obsolete(kvm, sp))
			continue;
		if (sp->unsync) {
			/* the guest may write an unsync table freely (mmu_sync_children()) */
			sp->written[idx / 64] |= 1ULL << (idx % 64);
			continue;
		}
		trapped = true;
		if (sp->level > 1 && ++sp->write_flood >= 3) {
			kvm_prepare_zap(kvm, sp); /* detect_write_flooding */
			continue;
		}
		if (sp->spt && sp->spt[idx]) {
			struct kvm_sp *c = sp->spt[idx];

			sp->spt[idx] = NULL;
			drop_parent(c, sp, idx);
			kvm_count(kvm, KC_SPTE_ZAPPED, 1);
			flush = true;
		}
		if (bit_test(sp->leaf, idx)) {
			sp->leaf[idx / 64] &= ~(1ULL << (idx % 64));
			sp->wr[idx / 64] &= ~(1ULL << (idx % 64));
			kvm_count(kvm, KC_SPTE_ZAPPED, 1);
			flush = true;
		}
	}
	if (flush)
		kvm->zap_list_flush = true;
	kvm_commit_zap(kvm);
	return trapped;
}

static void invalidate_root_gva(struct msim_kvm *kvm, struct kvm_sp *root,
				uint64_t gva)
{
	struct kvm_sp *sp;
	unsigned level, idx;

	sp = walk_start(root, gva, &level);
	for (; sp && level > 1; level--)
		sp = sp->spt ? sp->spt[level_index(gva, level)] : NULL;
	if (!sp || !sp->unsync)
		return;
	idx = level_index(gva, 1);
	if (bit_test(sp->written, idx)) {
		sp->written[idx / 64] &= ~(1ULL << (idx % 64));
		sp->leaf[idx / 64] &= ~(1ULL << (idx % 64));
		sp->wr[idx / 64] &= ~(1ULL << (idx % 64));
	}
}

/* kvm_mmu_invlpg() kvm_mmu_invalidate_addr: resync the gva's SPTE in selected roots */
void kvm_shadow_invalidate_gva(struct msim_kvm_vcpu *v, uint64_t gva,
			       uint32_t roots)
{
	struct kvm_mmu *mmu = v->mmu;

	if (mmu->root_role_f.direct)
		return;
	if ((roots & KVM_ROOT_CURRENT) && mmu->root.sp)
		invalidate_root_gva(v->kvm, mmu->root.sp, gva);
	for (unsigned i = 0; i < v->kvm->o.prev_roots; i++)
		if ((roots & KVM_ROOT_PREVIOUS(i)) && mmu->prev[i].sp)
			invalidate_root_gva(v->kvm, mmu->prev[i].sp, gva);
}

/*
 * Legacy TDP (make_mmu_pages_available(), kvm_mmu_sync_roots()): the tree below a direct root is made of direct
 * shadow pages in the hash, keyed by the first gfn they map, so a dropped
 * root comes back with its subtree (the "safety net" of kvm_mmu_get_page()).
 */
int kvm_direct_touch(struct msim_kvm_vcpu *v, struct kvm_sp *root,
		     uint64_t gpa, msim_kvm_access_res *res)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_sp *sp = root;
	unsigned level = root->level, idx;
	msim_kvm_role r;
	bool created;
	int rc;

	/* hardware walk of the EPT/NPT tree KVM built */
	for (; level > 1; level--) {
		struct kvm_sp *c = sp->spt ? sp->spt[level_index(gpa, level)] : NULL;

		if (!c)
			break;
		sp = c;
	}
	if (level == 1 && bit_test(sp->leaf, level_index(gpa, 1)))
		return 0;
	/* EPT violation / #NPF: kvm_tdp_page_fault -> direct_map */
	res->exits++;
	kvm_count(kvm, KC_TDP_FAULT, 1);
	kvm_count(kvm, KC_CY_TDP_FAULT, kvm->cost.tdp_fault);
	kvm_vmexit_cost(v);
	for (; level > 1; level--) {
		uint64_t span = 1ULL << (9 * (level - 1));
		struct kvm_sp *child;

		idx = level_index(gpa, level);
		msim_kvm_role_decode(sp->role, kvm->o.kernel, &r);
		r.level = (uint8_t)(level - 1);
		r.direct = 1;
		r.access = 7;
		r.quadrant = 0;
		r.passthrough = 0;
		r.invalid = 0;
		child = kvm_get_shadow_page(kvm, (gpa >> 12) & ~(span - 1),
					    msim_kvm_role_word(&r, kvm->o.kernel),
					    &r, false, &created);
		if (!child)
			return MSIM_ENOMEM;
		rc = link_child(kvm, sp, idx, child);
		if (rc)
			return rc;
		kvm_count(kvm, KC_CY_TDP_FAULT, kvm->cost.spte_set);
		res->mapped++;
		sp = child;
	}
	idx = level_index(gpa, 1);
	sp->leaf[idx / 64] |= 1ULL << (idx % 64);
	kvm_mat_set(kvm, sp, idx, gpa, true); /* hpa == gpa for L1 */
	kvm_count(kvm, KC_CY_TDP_FAULT, kvm->cost.spte_set);
	res->mapped++;
	return 0;
}
