/*
 * Materialised TDP tables: the EPT (VMX) or NPT (SVM) entries KVM builds,
 * written into a host msim_gmem so the hardware model can do real 2D
 * walks over them (ept.h: msim_nested with mem = the host memory).
 *
 * Guest memory is gpa-indexed in the simulator, so leaves map gfn -> the
 * same frame number (hpa == gpa for L1); table pages live in a host region
 * above any guest RAM. TDP MMU and nested roots keep a list of their table
 * pages (a teardown zeroes them and recycles them); legacy-TDP direct
 * shadow pages are themselves the table pages.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "kvm/kvm_internal.h"

#define RWX 7ULL           /* EPT R|W|X, or NPT P|RW|US: both bits 0-2 */
#define EPT_WB (6ULL << 3) /* EPT leaf memory type WB */

static int push(uint64_t **arr, unsigned *n, unsigned *cap, uint64_t v)
{
	if (*n == *cap) {
		unsigned nc = *cap ? *cap * 2 : 8;
		uint64_t *na = realloc(*arr, nc * sizeof(*na));

		if (!na)
			return msim_err(MSIM_ENOMEM, "out of memory (TDP tables)");
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

uint64_t kvm_mat_alloc_page(struct msim_kvm *kvm)
{
	if (kvm->nfree_pages)
		return kvm->free_pages[--kvm->nfree_pages];
	return KVM_HOST_BASE + ((kvm->next_hpa++) << 12);
}

static void zero_page(struct msim_kvm *kvm, uint64_t hpa)
{
	for (unsigned i = 0; i < KVM_SPTES; i++)
		if (msim_gmem_read64(kvm->host, hpa + 8 * i))
			msim_gmem_write(kvm->host, hpa + 8 * i, 8, 0);
}

/* Recycle a frame whose entries are all zero again. */
void kvm_mat_free_page(struct msim_kvm *kvm, uint64_t hpa)
{
	push(&kvm->free_pages, &kvm->nfree_pages, &kvm->capfree_pages, hpa);
}

static uint64_t leaf_bits(const struct msim_kvm *kvm)
{
	return kvm->o.vendor == MSIM_VENDOR_AMD ? RWX : RWX | EPT_WB;
}

/* A root whose tree is a gfn set (TDP MMU, nested): map gpa -> hpa. */
int kvm_mat_map(struct msim_kvm *kvm, struct kvm_sp *root, uint64_t gpa,
		uint64_t hpa)
{
	uint64_t table = root->hpa;

	if (!kvm->host)
		return 0;
	for (unsigned level = root->level; level > 1; level--) {
		uint64_t slot = table + 8 * ((gpa >> (12 + 9 * (level - 1))) & 511);
		uint64_t e = msim_gmem_read64(kvm->host, slot);

		if (!(e & RWX)) {
			uint64_t t = kvm_mat_alloc_page(kvm);
			int rc = push(&root->tbl, &root->ntbl, &root->captbl, t);

			if (rc)
				return rc;
			e = t | RWX;
			if (table == root->hpa)
				root->nmat++;
			rc = msim_gmem_write(kvm->host, slot, 8, e);
			if (rc)
				return rc;
		}
		table = e & MSIM_GENMASK(51, 12);
	}
	if (table == root->hpa)
		root->nmat++; /* a 1-level tree: leaf in the root page */
	return msim_gmem_write(kvm->host, table + 8 * ((gpa >> 12) & 511), 8,
			       (hpa & MSIM_GENMASK(51, 12)) | leaf_bits(kvm));
}

/* Teardown of a set-based tree: every table page goes, the root empties. */
void kvm_mat_clear_tree(struct msim_kvm *kvm, struct kvm_sp *root)
{
	if (!kvm->host)
		return;
	for (unsigned i = 0; i < root->ntbl; i++) {
		zero_page(kvm, root->tbl[i]);
		kvm_mat_free_page(kvm, root->tbl[i]);
	}
	root->ntbl = 0;
	if (root->nmat)
		zero_page(kvm, root->hpa);
	root->nmat = 0;
}

/* Legacy TDP: entry idx of a direct page points at a child page / frame. */
void kvm_mat_set(struct msim_kvm *kvm, struct kvm_sp *sp, unsigned idx,
		 uint64_t target, bool leaf)
{
	if (!kvm->host || !kvm->mat_direct)
		return;
	sp->nmat++;
	msim_gmem_write(kvm->host, sp->hpa + 8 * idx, 8,
			(target & MSIM_GENMASK(51, 12)) |
				(leaf ? leaf_bits(kvm) : RWX));
}

void kvm_mat_clear(struct msim_kvm *kvm, const struct kvm_sp *sp, unsigned idx)
{
	if (!kvm->host || !kvm->mat_direct)
		return;
	msim_gmem_write(kvm->host, sp->hpa + 8 * idx, 8, 0);
}

msim_gmem *msim_kvm_host_mem(msim_kvm *kvm)
{
	return kvm->host;
}

bool msim_kvm_nested_cfg(const msim_kvm_vcpu *v, msim_nested *n)
{
	const struct msim_kvm *kvm = v->kvm;
	const struct kvm_sp *root = v->mmu->root.sp;

	if (!kvm_tdp(kvm) || !root || root->special)
		return false;
	*n = (msim_nested)MSIM_NESTED_INIT;
	n->mem = kvm->host;
	if (kvm->o.vendor == MSIM_VENDOR_AMD) {
		n->kind = MSIM_NESTED_NPT;
		n->ncr3 = root->hpa;
	} else {
		n->kind = MSIM_NESTED_EPT;
		n->eptp = kvm_root_eptp(kvm, root);
	}
	return true;
}
