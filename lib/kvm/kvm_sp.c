/*
 * The shadow-page pool below both MMUs: page headers (recycled through
 * kvm->sp_free) with their host page, the (gfn, role) hash and active list
 * the shadow MMU files them on, and the gfn sets a TDP MMU root's tree is
 * modelled by. The shadow MMU (kvm_shadow.c) and the TDP MMU (kvm_tdp.c)
 * both allocate and free pages here; this file calls neither.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_internal.h"

struct kvm_sp *kvm_sp_new(struct msim_kvm *kvm, uint64_t gfn, uint32_t role,
			  const msim_kvm_role *rf)
{
	struct kvm_sp *sp = kvm->sp_free;

	/* headers are recycled: roots come and go on every TDP MMU reset */
	if (sp) {
		kvm->sp_free = sp->hnext;
		memset(sp, 0, sizeof(*sp));
	} else {
		sp = calloc(1, sizeof(*sp));
	}
	if (!sp) {
		msim_err(MSIM_ENOMEM, "out of memory allocating a shadow page");
		return NULL;
	}
	sp->gfn = gfn;
	sp->role = role;
	sp->level = rf->level;
	sp->direct = rf->direct;
	sp->gen = kvm->valid_gen;
	sp->hpa = kvm_mat_alloc_page(kvm);
	return sp;
}

static void unhash(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	struct kvm_sp **pp = &kvm->hash[kvm_hash_bucket(sp->gfn)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == sp) {
			*pp = sp->hnext;
			return;
		}
}

void kvm_sp_destroy(struct msim_kvm *kvm, struct kvm_sp *sp)
{
	unhash(kvm, sp);
	kvm_sp_active_del(sp);
	if (!sp->tdp_mmu)
		kvm->n_used--;
	free(sp->spt);
	free(sp->parents);
	free(sp->tree.slot);
	kvm_mat_clear_tree(kvm, sp); /* tables + own entries, if any */
	free(sp->tbl);
	kvm_mat_free_page(kvm, sp->hpa);
	sp->hnext = kvm->sp_free;
	kvm->sp_free = sp;
}

static inline uint32_t gfn_hash(uint64_t gfn, uint32_t mask)
{
	return (uint32_t)((gfn * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

bool kvm_gfnset_has(const struct kvm_gfnset *s, uint64_t gfn)
{
	uint32_t mask, i;

	if (!s->used)
		return false;
	mask = s->cap - 1;
	for (i = gfn_hash(gfn, mask);; i = (i + 1) & mask) {
		if (s->slot[i] == gfn + 1)
			return true;
		if (!s->slot[i])
			return false;
	}
}

int kvm_gfnset_add(struct kvm_gfnset *s, uint64_t gfn, bool *added)
{
	uint32_t mask, i;

	*added = false;
	if ((s->used + 1) * 4 > s->cap * 3) {
		uint32_t ncap = s->cap ? s->cap * 2 : 64;
		uint64_t *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return msim_err(MSIM_ENOMEM, "out of memory (TDP tree)");
		for (uint32_t j = 0; j < s->cap; j++) {
			uint64_t v = s->slot[j];

			if (!v)
				continue;
			for (i = gfn_hash(v - 1, ncap - 1); ns[i];
			     i = (i + 1) & (ncap - 1))
				;
			ns[i] = v;
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	mask = s->cap - 1;
	for (i = gfn_hash(gfn, mask); s->slot[i]; i = (i + 1) & mask)
		if (s->slot[i] == gfn + 1)
			return 0;
	s->slot[i] = gfn + 1;
	s->used++;
	*added = true;
	return 0;
}

void kvm_gfnset_clear(struct kvm_gfnset *s)
{
	if (s->used)
		memset(s->slot, 0, s->cap * sizeof(*s->slot));
	s->used = 0;
}
