/*
 * Root cache rules is_root_usable(), kvm_mmu_free_roots() and the  worked rotation example
 * (shadow MMU, 64-bit guest, kernel 6.18 unless stated).
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

/* Build `A | B C D` by visiting D, C, B, A (each a new root). */
static msim_kvm_vcpu *abcd(struct kt *t)
{
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('D'));
	msim_kvm_on_cr3(v, PG('D'), PG('C'));
	msim_kvm_on_cr3(v, PG('C'), PG('B'));
	msim_kvm_on_cr3(v, PG('B'), PG('A'));
	cr_assert_str_eq(kt_state(v), "A | B C D");
	return v;
}

Test(kvm_roots, R2_7_hit_current)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);
	uint64_t hits = kc(t, "kvm.root.cache_hit.cur");

	msim_kvm_on_cr3(v, PG('A'), PG('A')); /* same CR3: no switch at all */
	cr_assert_str_eq(kt_state(v), "A | B C D");
	kvm_new_pgd(v, &v->root_mmu, PG('A'));
	cr_assert_str_eq(kt_state(v), "A | B C D");
	cr_assert_eq(kc(t, "kvm.root.cache_hit.cur"), hits + 1);
	kt_free(t);
}

Test(kvm_roots, R2_8_hit_at_0)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	cr_assert_str_eq(kt_state(v), "B | A C D");
	kt_free(t);
}

Test(kvm_roots, R2_8_hit_at_1)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_cr3(v, PG('A'), PG('C'));
	cr_assert_str_eq(kt_state(v), "C | A B D");
	kt_free(t);
}

Test(kvm_roots, R2_8_hit_at_2)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_cr3(v, PG('A'), PG('D'));
	cr_assert_str_eq(kt_state(v), "D | A B C");
	kt_free(t);
}

Test(kvm_roots, R2_8_miss_frees_lru_which_stays_in_hash)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);
	uint32_t role = v->root_mmu.root_role;
	uint64_t freed = kc(t, "kvm.root.freed");
	struct kvm_sp *d = kt_find_sp(t, PG('D') >> 12, role);

	cr_assert_not_null(d);
	cr_assert_eq(d->root_count, 1);
	msim_kvm_on_cr3(v, PG('A'), PG('E'));
	cr_assert_str_eq(kt_state(v), "E | A B C");
	cr_assert_eq(kc(t, "kvm.root.freed"), freed + 1);
	/* mmu_free_root_page(): root_count dropped to 0, page still findable */
	cr_assert_eq(kt_find_sp(t, PG('D') >> 12, role), d);
	cr_assert_eq(d->root_count, 0);
	/* kvm_mmu_get_page(): coming back to D is a hash hit, not a new page */
	{
		uint64_t created = kc(t, "kvm.root.created");
		uint64_t found = kc(t, "kvm.root.found");

		msim_kvm_on_cr3(v, PG('E'), PG('D'));
		cr_assert_eq(kc(t, "kvm.root.created"), created);
		cr_assert_eq(kc(t, "kvm.root.found"), found + 1);
		cr_assert_str_eq(kt_state(v), "D | E A B");
	}
	kt_free(t);
}

Test(kvm_roots, R2_8_miss_with_invalid_lru_frees_nothing)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('B'));
	msim_kvm_on_cr3(v, PG('B'), PG('A'));
	cr_assert_str_eq(kt_state(v), "A | B - -");
	cr_assert_eq(kc(t, "kvm.root.freed"), 0);
	kt_free(t);
}

/*  worked rotation example, every row */
Test(kvm_roots, S2_7_worked_rotation_example)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	cr_assert_str_eq(kt_state(v), "B | A C D");
	msim_kvm_on_cr3(v, PG('B'), PG('D'));
	cr_assert_str_eq(kt_state(v), "D | B A C");
	msim_kvm_on_cr3(v, PG('D'), PG('C'));
	cr_assert_str_eq(kt_state(v), "C | D B A");
	{
		uint64_t f = kc(t, "kvm.root.freed");

		msim_kvm_on_cr3(v, PG('C'), PG('E'));
		cr_assert_str_eq(kt_state(v), "E | C D B");
		cr_assert_eq(kc(t, "kvm.root.freed"), f + 1); /* A */
	}
	{
		uint64_t f = kc(t, "kvm.root.freed");

		kvm_mmu_reset_context(v, RC_CR0);
		cr_assert_str_eq(kt_state(v), "- | - - -");
		cr_assert_eq(kc(t, "kvm.root.freed"), f + 4); /* E, C, D, B */
		msim_kvm_before_entry(v);
		cr_assert_str_eq(kt_state(v), "E | - - -");
	}
	kt_free(t);
}

Test(kvm_roots, R2_10_find_without_current)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	kvm_free_roots(t->kvm, &v->root_mmu, KVM_ROOT_CURRENT);
	cr_assert_str_eq(kt_state(v), "- | B C D");
	kvm_new_pgd(v, &v->root_mmu, PG('C'));
	cr_assert_str_eq(kt_state(v), "C | B D -");
	/* the vacated last slot keeps its stale pgd but an invalid hpa */
	cr_assert_null(v->root_mmu.prev[2].sp);
	kt_free(t);
}

Test(kvm_roots, R2_10_miss_changes_nothing)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	kvm_free_roots(t->kvm, &v->root_mmu, KVM_ROOT_CURRENT);
	kvm_new_pgd(v, &v->root_mmu, PG('F'));
	cr_assert_str_eq(kt_state(v), "- | B C D");
	kt_free(t);
}

Test(kvm_roots, R2_1_prev_roots_size_7)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,prev_roots=7", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	for (char c = 'B'; c <= 'H'; c++)
		msim_kvm_on_cr3(v, PG(c - 1), PG(c));
	cr_assert_str_eq(kt_state(v), "H | G F E D C B A");
	msim_kvm_on_cr3(v, PG('H'), PG('A')); /* hit at i=6 */
	cr_assert_str_eq(kt_state(v), "A | H G F E D C B");
	cr_assert_eq(kc(t, "kvm.root.freed"), 0);
	kt_free(t);
}

Test(kvm_roots, R2_1_prev_roots_size_0)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,prev_roots=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	cr_assert_str_eq(kt_state(v), "B |");
	cr_assert_eq(kc(t, "kvm.root.freed"), 1);
	kt_free(t);
}

Test(kvm_roots, R2_5_direct_roots_ignore_pgd)
{
	struct kvm_root r = { 0x5000, NULL };
	struct kvm_sp sp = { 0 };

	sp.role = 0x3784;
	r.sp = &sp;
	cr_assert(kvm_root_usable(&r, 0x9000, 0x3784, true, 518));
	cr_assert_not(kvm_root_usable(&r, 0x9000, 0x3784, false, 518));
	/* is_root_usable(): before 5.18 the pgd had to match for every root */
	cr_assert_not(kvm_root_usable(&r, 0x9000, 0x3784, true, 517));
	cr_assert_not(kvm_root_usable(&r, 0x5000, 0x3785, true, 518));
	sp.special = true; /* no shadow page: never usable */
	cr_assert_not(kvm_root_usable(&r, 0x5000, 0x3784, true, 518));
}

/* fast_pgd_switch(): a PAE guest frees and rebuilds its 4 PAE roots on every switch */
Test(kvm_roots, R2_14_pae_guest_no_cache_benefit)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t pdpt_a = 0x20000, pdpt_b = 0x21000, created, found, freed;

	for (unsigned i = 0; i < 4; i++) {
		msim_gmem_write(t->mem, pdpt_a + 8 * i, 8,
				(0x30000 + 0x1000 * i) | MSIM_PTE_P);
		msim_gmem_write(t->mem, pdpt_b + 8 * i, 8,
				(0x40000 + 0x1000 * i) | MSIM_PTE_P);
	}
	msim_kvm_on_sregs(v, CR0_LONG, pdpt_a, MSIM_CR4_PAE, MSIM_EFER_NXE);
	msim_kvm_before_entry(v);
	cr_assert(v->root_mmu.root.sp->special);
	cr_assert_eq(kc(t, "kvm.root.created"), 4);
	msim_kvm_on_cr3(v, pdpt_a, pdpt_b);
	msim_kvm_on_cr3(v, pdpt_b, pdpt_a);
	created = kc(t, "kvm.root.created");
	found = kc(t, "kvm.root.found");
	freed = kc(t, "kvm.root.freed");
	cr_assert_eq(created, 8);
	cr_assert_eq(found, 4);   /* back to A: all 4 from the hash */
	cr_assert_eq(freed, 2);   /* one special root (4 PAE roots) per switch */
	for (unsigned i = 0; i < 4; i++)
		cr_assert_null(v->root_mmu.prev[i < 3 ? i : 2].sp);
	kt_free(t);
}

/* kvm_mmu_zap_all_fast(): a memslot delete makes every shadow root obsolete (>= 5.18) */
Test(kvm_roots, R2_21_memslot_delete_frees_obsolete_roots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);
	uint64_t f = kc(t, "kvm.root.freed"), c = kc(t, "kvm.root.created");

	msim_kvm_on_memslot(t->kvm, 1, 0x100, 16);
	cr_assert(v->req & REQ_FREE_OBSOLETE);
	msim_kvm_before_entry(v);
	cr_assert_eq(kc(t, "kvm.root.freed"), f + 4);
	cr_assert_eq(kc(t, "kvm.root.obsolete_freed"), 4);
	cr_assert_eq(kc(t, "kvm.root.created"), c + 1); /* A rebuilt */
	cr_assert_str_eq(kt_state(v), "A | - - -");
	kt_free(t);
}

/* kvm_mmu_unload(): <= 5.17 the same event unloads every root (MMU_RELOAD) */
Test(kvm_roots, R2_22_memslot_delete_reloads_all_before_5_18)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=5.15", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_memslot(t->kvm, 1, 0x100, 16);
	cr_assert(v->req & REQ_MMU_RELOAD);
	msim_kvm_before_entry(v);
	cr_assert_str_eq(kt_state(v), "A | - - -");
	kt_free(t);
}

/* kvm_mmu_zap_all_fast() under TDP MMU >= 6.4: guest-mode prev root is obsolete too */
Test(kvm_roots, R5_4_invalidate_all_tdp_roots)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	struct kvm_sp *r;
	uint64_t hpa;

	kt_long(v, PG('A'));
	r = v->root_mmu.root.sp;
	hpa = r->hpa;
	cr_assert(r->tdp_mmu);
	cr_assert_eq(r->root_count, 2); /* kvm_mmu_free_roots(): MMU ref + vCPU ref */
	msim_kvm_on_memslot(t->kvm, 2, 0x100, 16);
	cr_assert(r->invalid);
	cr_assert_eq(r->root_count, 1);
	msim_kvm_before_entry(v);
	(void)hpa; /* the freed frame may be recycled for the new root */
	cr_assert_eq(kc(t, "kvm.tdp.root_created"), 2); /* a new root */
	cr_assert_not(v->root_mmu.root.sp->invalid);
	kt_free(t);
}

/* kvm_mmu_free_roots(): zapping a cached prev root drops only that root */
Test(kvm_roots, R2_23_zapped_prev_root_freed_alone)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);
	struct kvm_sp *c = v->root_mmu.prev[1].sp;

	kvm_prepare_zap(t->kvm, c);
	kvm_commit_zap(t->kvm);
	cr_assert(c->invalid);
	cr_assert(v->req & REQ_FREE_OBSOLETE);
	msim_kvm_before_entry(v);
	cr_assert_str_eq(kt_state(v), "A | B - D");
	kt_free(t);
}

/* kvm_mmu_free_roots(): only guest-mode prev roots go */
Test(kvm_roots, R2_20_free_guest_mode_roots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	v->root_mmu.prev[0].sp->role |= 1u << 17;
	kvm_free_guest_mode_roots(t->kvm, &v->root_mmu);
	cr_assert_str_eq(kt_state(v), "A | - C D");
	kt_free(t);
}

/* kvm_mmu_free_roots(): unload drops root_mmu and guest_mmu (up to 8 roots) */
Test(kvm_roots, R2_18_unload_both_mmus)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);
	uint64_t f = kc(t, "kvm.root.freed");

	kvm_mmu_unload(v);
	cr_assert_eq(kc(t, "kvm.root.freed"), f + 4);
	cr_assert_str_eq(kt_state(v), "- | - - -");
	kt_free(t);
}

/*
 * kvm_mmu_load() + kvm_vcpu_flush_tlb_current(): a CR3 miss leaves no valid root, so the FLUSH_CURRENT of
 * kvm_set_cr3() does nothing; the load then flushes the current context once.
 */
Test(kvm_roots, R2_19_load_flushes_current)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t n, loads;

	kt_long(v, PG('A'));
	n = kc(t, "kvm.invvpid.single");
	loads = kc(t, "kvm.mmu_load");
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	cr_assert_eq(kc(t, "kvm.mmu_load"), loads + 1);
	cr_assert_eq(kc(t, "kvm.invvpid.single"), n + 1);
	cr_assert_eq(t->last.op, MSIM_KVM_TLB_INVVPID_SINGLE);
	cr_assert_eq(t->last.vpid, 1); /* vpid01 of vCPU 0 */
	kt_free(t);
}

/*  counters: root_cache_hit[i] per prev_roots index */
Test(kvm_roots, S10_cache_hit_per_index)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = abcd(t);

	msim_kvm_on_cr3(v, PG('A'), PG('D')); /* hit at 2 */
	msim_kvm_on_cr3(v, PG('D'), PG('A')); /* hit at 0 */
	cr_assert_eq(kc(t, "kvm.root.cache_hit.2"), 1);
	cr_assert_eq(kc(t, "kvm.root.cache_hit.0"), 1);
	cr_assert_eq(kc(t, "kvm.root.cache_hit.1"), 0);
	kt_free(t);
}

/* fast_pgd_switch(): a root gfn outside every memslot gets a dummy root (>= ~6.7) */
Test(kvm_roots, R2_15_dummy_root_outside_memslots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	msim_kvm_on_memslot(t->kvm, 0, 0, 0x11); /* gfns 0x0..0x10: A, B */
	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('Z')); /* gfn 0x29: no memslot */
	cr_assert(v->root_mmu.root.sp->special);
	cr_assert_eq(kc(t, "kvm.root.dummy"), 1);
	cr_assert_eq(kc(t, "kvm.root.created"), 1);
	msim_kvm_on_cr3(v, PG('Z'), PG('B'));
	/* fast_pgd_switch(): the dummy root was freed, never cached */
	cr_assert_str_eq(kt_state(v), "B | A - -");
	kt_free(t);
	t = kt_new("preset=6.18-pvm,cpl0_emulated=0,kernel=6.6", 1);
	v = kt_vcpu(t, 0);
	msim_kvm_on_memslot(t->kvm, 0, 0, 0x11);
	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('Z'));
	cr_assert_not(v->root_mmu.root.sp->special);
	kt_free(t);
}
