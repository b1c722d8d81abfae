/*
 * Helpers for the KVM model tests (tests/test_kvm*.c): build a VM from a
 * policy string, put a vCPU into 64-bit paging, and print the root cache
 * of a vCPU as "A | B C D" using letters for known CR3 values.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_KVM_TEST_H
#define MSIM_KVM_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "kvm/kvm_internal.h"

#define CR0_LONG 0x80050033ULL /* PG|AM|WP|NE|ET|MP|PE */
#define CR4_LONG (MSIM_CR4_PAE | MSIM_CR4_PGE)
#define EFER_LONG (MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE)

/* CR3 of "process" letter L: A = 0x10000, B = 0x11000, ... */
#define PG(c) (0x10000ULL + (uint64_t)((c) - 'A') * 0x1000)

struct kt {
	msim_kvm *kvm;
	msim_gmem *mem;
	unsigned nflush_ops;
	msim_kvm_tlb_req last;
};

static void kt_tlb(void *ctx, unsigned vcpu, const msim_kvm_tlb_req *r)
{
	struct kt *t = ctx;

	(void)vcpu;
	t->nflush_ops++;
	t->last = *r;
}

static inline struct kt *kt_new(const char *policy, unsigned nvcpus)
{
	static struct kt t;
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_kvm_env env = { &t, kt_tlb, NULL };

	memset(&t, 0, sizeof(t));
	cr_assert_eq(msim_kvm_opts_parse(&o, policy), 0, "%s", msim_last_error());
	cr_assert_eq(msim_gmem_create(&t.mem, NULL), 0);
	cr_assert_eq(msim_kvm_create(&t.kvm, &o, nvcpus, NULL, NULL, t.mem, &env),
		     0, "%s", msim_last_error());
	return &t;
}

static inline void kt_free(struct kt *t)
{
	msim_kvm_free(t->kvm);
	msim_gmem_free(t->mem);
}

static inline msim_kvm_vcpu *kt_vcpu(struct kt *t, unsigned i)
{
	return msim_kvm_vcpu_get(t->kvm, i);
}

/* Userspace puts the vCPU in 64-bit paging at cr3, then it enters. */
static inline void kt_long(msim_kvm_vcpu *v, uint64_t cr3)
{
	msim_kvm_on_sregs(v, CR0_LONG, cr3, CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
}

static inline uint64_t kc(struct kt *t, const char *name)
{
	return msim_kvm_counter(t->kvm, name);
}

static inline void slot_str(const struct kvm_root *r, char *out)
{
	if (!r->sp) {
		*out++ = '-';
	} else if (r->pgd >= PG('A') && r->pgd <= PG('Z') && !(r->pgd & 0xfff)) {
		*out++ = (char)('A' + (r->pgd - PG('A')) / 0x1000);
	} else {
		*out++ = '?';
	}
	*out = 0;
}

/* "A | B C D" for root_mmu of v (prev_roots entries) */
static inline const char *kt_state(msim_kvm_vcpu *v)
{
	static char buf[128];
	const struct kvm_mmu *m = &v->root_mmu;
	char s[4];

	slot_str(&m->root, s);
	snprintf(buf, sizeof(buf), "%s |", s);
	for (unsigned i = 0; i < v->kvm->o.prev_roots; i++) {
		slot_str(&m->prev[i], s);
		strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, s, sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

/* The shadow page in the hash for (gfn, role), or NULL. */
static inline struct kvm_sp *kt_find_sp(struct kt *t, uint64_t gfn,
					uint32_t role)
{
	for (unsigned b = 0; b < KVM_NR_BUCKETS; b++)
		for (struct kvm_sp *sp = t->kvm->hash[b]; sp; sp = sp->hnext)
			if (sp->gfn == gfn && sp->role == role)
				return sp;
	return NULL;
}

#endif
