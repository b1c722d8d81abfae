/*
 * TDP: the TDP MMU's root list (shared, refcounted roots, tdp_mmu_root_count(), kvm_mmu_free_roots(),
 * kvm_tdp_mmu_alloc_root(), tdp_mmu_zap_root()) and its mapping model: the set of gfns a root's tree maps
 * (TDP MMU pages below the root are in no hash). An EPT/NPT violation adds
 * the gfn; tearing a tree down empties it, so the guest refaults
 * everything afterwards. Legacy-TDP roots use direct shadow pages instead
 * (kvm_direct_touch); nested-EPT/NPT roots (guest_mmu) use the gfn set
 * keyed by L2 gpa (an approximation: EPT12 is not walked).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_internal.h"

#define ROLE_INVALID_BIT (1u << 11)

int kvm_tdp_map(struct msim_kvm *kvm, struct kvm_sp *root, uint64_t gfn,
		bool *added)
{
	(void)kvm;
	return kvm_gfnset_add(&root->tree, gfn, added);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Page tables below the root that map the tree's gfns: one PT per 512
 * gfns in use, one PD per 512 PTs' worth, ... (the gfn set keeps no table
 * structure, but the tables it implies are exactly these).
 */
static uint64_t tree_tables(const struct kvm_gfnset *s, unsigned levels)
{
	uint64_t *g, n = 0, tables = 0;

	if (!s->used)
		return 0;
	g = malloc(s->used * sizeof(*g));
	if (!g)
		return s->used; /* an upper bound; only prices a flush count */
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			g[n++] = s->slot[i] - 1;
	qsort(g, n, sizeof(*g), cmp_u64);
	for (unsigned l = 1; l < levels; l++) {
		unsigned shift = 9 * l;

		for (uint64_t i = 0; i < n; i++)
			if (i == 0 || (g[i] >> shift) != (g[i - 1] >> shift))
				tables++;
	}
	free(g);
	return tables;
}

/*
 * Zap every SPTE of a root's tree (the whole EPT/NPT tree goes). Before
 * Sean's Nov 2021 rework (Ben Gardon, "[RFC 02/19] KVM: x86/mmu: Batch TLB flushes for a single zap" (Nov 2021)) handle_removed_tdp_mmu_page flushed
 * remote TLBs once per removed page table; batched, a teardown of an
 * unreachable root needs none (every root load flushes, kvm_mmu_load()) and an
 * invalidation of live roots needs one.
 */
void kvm_tdp_teardown(struct msim_kvm *kvm, struct kvm_sp *root, bool live)
{
	uint64_t flushes = live;

	if (kvm->o.zap_flush == MSIM_KVM_ZAP_PER_TABLE)
		flushes = tree_tables(&root->tree, root->level ? root->level : 4);
	for (uint64_t i = 0; i < flushes; i++)
		kvm_flush_remote_tlbs(kvm);
	kvm_count(kvm, KC_TDP_TEARDOWN, 1);
	kvm_count(kvm, KC_SPTE_ZAPPED, root->tree.used);
	kvm_count(kvm, KC_CY_ZAP, kvm->cost.zap_spte * (root->tree.used + 1));
	kvm_observe(kvm, MSIM_EXP_ZAP, 0, root->gfn, root->role);
	kvm_gfnset_clear(&root->tree);
	kvm_mat_clear_tree(kvm, root);
}

static void unlink_root(struct msim_kvm *kvm, struct kvm_sp *root)
{
	for (struct kvm_sp **pp = &kvm->tdp_roots; *pp; pp = &(*pp)->hnext)
		if (*pp == root) {
			*pp = root->hnext;
			break;
		}
	root->hnext = NULL;
	kvm_sp_destroy(kvm, root);
}

/* kvm_tdp_mmu_alloc_root() kvm_tdp_mmu_alloc_root (kvm_tdp_mmu_get_vcpu_root_hpa <= ~6.8) */
struct kvm_sp *kvm_tdp_mmu_alloc_root(struct msim_kvm_vcpu *v,
				      struct kvm_mmu *mmu)
{
	struct msim_kvm *kvm = v->kvm;
	struct kvm_sp *r;

	kvm_count(kvm, KC_CY_HASH, kvm->cost.hash_lookup);
	for (r = kvm->tdp_roots; r; r = r->hnext)
		if (!r->invalid && r->role == mmu->root_role) {
			r->root_count++;
			kvm_count(kvm, KC_ROOT_FOUND, 1);
			kvm_observe(kvm, MSIM_EXP_ROOT, 1, 0, r->role);
			return r;
		}
	r = kvm_sp_new(kvm, 0, mmu->root_role, &mmu->root_role_f);
	if (!r)
		return NULL;
	r->tdp_mmu = true;
	/* kvm_mmu_free_roots(): from 6.4 the TDP MMU holds its own reference */
	r->root_count = kvm->o.kernel >= 604 ? 2 : 1;
	r->hnext = kvm->tdp_roots;
	kvm->tdp_roots = r;
	kvm_count(kvm, KC_ROOT_CREATED, 1);
	kvm_count(kvm, KC_TDP_CREATED, 1);
	kvm_count(kvm, KC_CY_ROOT, kvm->cost.root_alloc);
	kvm_observe(kvm, MSIM_EXP_ROOT, 0, 0, r->role);
	return r;
}

/* kvm_tdp_mmu_put_root() (>= 6.4) / kvm_tdp_mmu_put_root() (5.10-6.3) kvm_tdp_mmu_put_root */
void kvm_tdp_mmu_put_root(struct msim_kvm *kvm, struct kvm_sp *root)
{
	if (root->root_count && --root->root_count)
		return;
	if (!root->invalid) {
		/* last vCPU reference of a valid root (only < 6.4) */
		root->invalid = true;
		root->role |= ROLE_INVALID_BIT;
		kvm_tdp_teardown(kvm, root, false);
	}
	unlink_root(kvm, root);
}

/* kvm_tdp_mmu_invalidate_all_roots() kvm_tdp_mmu_invalidate_all_roots + zap_invalidated_roots */
void kvm_tdp_mmu_invalidate_all_roots(struct msim_kvm *kvm)
{
	struct kvm_sp *r, *next;

	for (r = kvm->tdp_roots; r; r = next) {
		next = r->hnext;
		if (r->invalid)
			continue;
		r->invalid = true;
		r->role |= ROLE_INVALID_BIT;
		kvm_tdp_teardown(kvm, r, true);
		if (kvm->o.kernel >= 604)
			kvm_tdp_mmu_put_root(kvm, r); /* the MMU's own ref */
	}
}

/*
 * Nested EPT (guest_mmu): EPT02 maps an L2 gpa to where EPT12 (in L1's
 * memory) sends it. An EPT12 violation is L1's to handle: reflected, not
 * mapped. Returns false in that case.
 */
static bool l2_target(struct msim_kvm_vcpu *v, uint64_t gpa, uint64_t *hpa)
{
	static const msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_nested n = MSIM_NESTED_INIT;
	msim_walk_result r;

	*hpa = gpa;
	if (!v->mmu->is_guest_mmu || v->kvm->o.vendor == MSIM_VENDOR_AMD ||
	    !v->kvm->gmem)
		return true;
	n.mem = v->kvm->gmem;
	n.eptp = v->eptp12;
	if (msim_nested_walk(&n, &cpu, gpa, MSIM_WACC_GPT, 0, NULL, &r) ||
	    r.fault.kind != MSIM_FAULT_NONE)
		return false;
	*hpa = r.pa;
	return true;
}

static int touch(struct msim_kvm_vcpu *v, struct kvm_sp *root, uint64_t gpa,
		 msim_kvm_access_res *res)
{
	struct msim_kvm *kvm = v->kvm;
	uint64_t hpa;
	bool added;
	int rc;

	if (!root->tdp_mmu && root->direct)
		return kvm_direct_touch(v, root, gpa, res); /* legacy TDP */
	if (kvm_gfnset_has(&root->tree, gpa >> 12))
		return 0;
	/* EPT violation / #NPF: KVM maps the gfn (kvm_tdp_page_fault) */
	if (!l2_target(v, gpa, &hpa)) {
		res->exits++; /* EPT12 violation: reflected to L1 */
		kvm_vmexit_cost(v);
		return 0;
	}
	rc = kvm_tdp_map(kvm, root, gpa >> 12, &added);
	if (!rc)
		rc = kvm_mat_map(kvm, root, gpa, hpa);
	if (rc)
		return rc;
	res->exits++;
	res->mapped++;
	kvm_count(kvm, KC_TDP_FAULT, 1);
	kvm_count(kvm, KC_CY_TDP_FAULT, kvm->cost.tdp_fault + kvm->cost.spte_set);
	kvm_vmexit_cost(v);
	return 0;
}

/* Every gpa a 2D walk touches must be mapped by the current TDP root. */
int kvm_tdp_access(struct msim_kvm_vcpu *v, const msim_walk_result *gw,
		   msim_kvm_access_res *res)
{
	struct kvm_sp *root = v->mmu->root.sp;
	int rc;

	if (!root || root->special)
		return 0;
	for (int l = MSIM_WALK_MAX_LEVELS - 1; l >= 1; l--) {
		const msim_walk_entry *e = &gw->entries[l];

		if (!e->valid && !(gw->fault.kind != MSIM_FAULT_NONE &&
				   gw->fault.level == l))
			continue;
		rc = touch(v, root, e->gpa, res);
		if (rc)
			return rc;
	}
	if (gw->fault.kind != MSIM_FAULT_NONE) {
		res->guest_fault = true;
		return 0;
	}
	return touch(v, root, gw->gpa, res);
}
