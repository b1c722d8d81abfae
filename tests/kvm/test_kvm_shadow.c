/*
 * Shadow pages (kvm_mmu_get_page(), kvm_mmu_zap_oldest_mmu_pages(), kvm_mmu_child_role(), kvm_mmu_invlpg()): faults build shadow pages from
 * the guest tables, hash hits bring subtrees back, unsync/sync, write
 * tracking, write flooding, reclaim.
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"

/* Guest tables: PML4 A=0x10000 -> PDPT 0x20000 -> PD 0x30000 -> PT 0x40000 */
#define PML4 0x10000ULL
#define PDPT 0x20000ULL
#define PD 0x30000ULL
#define PT 0x40000ULL
#define GVA 0x400000ULL   /* PT[0] -> data 0x50000 */
#define GVA_PT 0x401000ULL /* PT[1] -> the PT frame itself (writable) */
#define GVA_PD 0x402000ULL /* PT[2] -> the PD frame (writable) */
#define RWP (MSIM_PTE_P | MSIM_PTE_RW)

static void tables(struct kt *t)
{
	msim_gmem_write(t->mem, PML4, 8, PDPT | RWP);
	msim_gmem_write(t->mem, PDPT + 0, 8, PD | RWP);
	msim_gmem_write(t->mem, PD + 8 * 2, 8, PT | RWP);
	msim_gmem_write(t->mem, PT + 0, 8, 0x50000 | RWP);
	msim_gmem_write(t->mem, PT + 8, 8, PT | RWP);
	msim_gmem_write(t->mem, PT + 16, 8, PD | RWP);
}

static msim_kvm_access_res acc(msim_kvm_vcpu *v, unsigned type, uint64_t gva)
{
	msim_kvm_access_res r;

	cr_assert_eq(msim_kvm_access(v, gva, type, NULL, &r), 0, "%s",
		     msim_last_error());
	return r;
}

Test(kvm_shadow, R4_2_fault_builds_shadow_pages)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_access_res r;
	uint32_t root = 0x3704;

	tables(t);
	kt_long(v, PML4);
	cr_assert_eq(v->root_mmu.root_role, root);
	r = acc(v, MSIM_ACC_READ, GVA);
	cr_assert_eq(r.exits, 1);
	cr_assert_eq(r.mapped, 4); /* 3 child links + the leaf SPTE */
	cr_assert_eq(kc(t, "kvm.sp.created"), 4); /* root + PDPT, PD, PT */
	/*
	 * kvm_mmu_child_role(): children inherit the role with level - 1 and the access
	 * of the guest entries above them: supervisor pages have no
	 * ACC_USER (4), so access = EXEC|WRITE = 3.
	 */
	cr_assert_not_null(kt_find_sp(t, PDPT >> 12, (root & ~0x70fu) | 0x300 | 3));
	cr_assert_not_null(kt_find_sp(t, PD >> 12, (root & ~0x70fu) | 0x300 | 2));
	cr_assert_not_null(kt_find_sp(t, PT >> 12, (root & ~0x70fu) | 0x300 | 1));
	r = acc(v, MSIM_ACC_READ, GVA);
	cr_assert_eq(r.exits, 0);
	kt_free(t);
}

Test(kvm_shadow, R1_16_R4_5_wp_trees_disjoint_and_kept)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	tables(t);
	kt_long(v, PML4);
	acc(v, MSIM_ACC_READ, GVA);
	msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 1);
	cr_assert_eq(kc(t, "kvm.sp.created"), 8); /* a second, wp0 tree */
	cr_assert_not_null(kt_find_sp(t, PT >> 12, 0x1301)); /* level 1, no WP */
	/* back to WP=1: the root comes from the hash with its subtree */
	msim_kvm_on_cr0(v, CR0_LONG & ~MSIM_CR0_WP, CR0_LONG);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 0);
	cr_assert_eq(kc(t, "kvm.sp.created"), 8);
	kt_free(t);
}

Test(kvm_shadow, R4_8_R4_9_unsync_then_sync_on_cr3_flush)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t remote;

	tables(t);
	kt_long(v, PML4);
	acc(v, MSIM_ACC_READ, GVA);
	/* a writable mapping of the level-1 table frame: it goes unsync */
	acc(v, MSIM_ACC_WRITE, GVA_PT);
	cr_assert_eq(kc(t, "kvm.sp.unsync"), 1);
	cr_assert_eq(kc(t, "kvm.write_emulated"), 0);
	/* the guest rewrites PT[0] freely: no exit, the SPTE is stale */
	msim_kvm_on_wrmem(t->kvm, PT, 8);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 0);
	/* MOV CR3 (flushing) -> MMU_SYNC: the written gpte is resynced */
	remote = kc(t, "kvm.flush.remote");
	msim_kvm_on_cr3(v, PML4, PML4);
	cr_assert_eq(kc(t, "kvm.sp.sync"), 1);
	cr_assert_eq(kc(t, "kvm.flush.remote"), remote + 1);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 1);
	kt_free(t);
}

Test(kvm_shadow, R4_6_upper_level_table_stays_write_protected)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	tables(t);
	kt_long(v, PML4);
	acc(v, MSIM_ACC_READ, GVA);
	acc(v, MSIM_ACC_WRITE, GVA_PD);
	cr_assert_eq(kc(t, "kvm.sp.unsync"), 0);
	cr_assert_eq(kc(t, "kvm.write_emulated"), 1);
	kt_free(t);
}

Test(kvm_shadow, R4_7_write_zaps_spte_then_flooding_zaps_page)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t exits;

	tables(t);
	kt_long(v, PML4);
	acc(v, MSIM_ACC_READ, GVA);
	exits = kc(t, "kvm.exit");
	msim_kvm_on_wrmem(t->kvm, PD + 16, 8); /* the PDE used by GVA */
	cr_assert_eq(kc(t, "kvm.exit"), exits + 1);
	cr_assert_eq(kc(t, "kvm.spte.zapped"), 1);
	cr_assert_eq(kc(t, "kvm.sp.zapped"), 0);
	msim_kvm_on_wrmem(t->kvm, PD + 24, 8);
	cr_assert_eq(kc(t, "kvm.sp.zapped"), 0);
	msim_kvm_on_wrmem(t->kvm, PD + 32, 8); /* third unused write */
	cr_assert_eq(kc(t, "kvm.sp.zapped"), 1);
	cr_assert_null(kt_find_sp(t, PD >> 12, 0x3302));
	kt_free(t);
}

Test(kvm_shadow, R4_11_reclaim_skips_roots)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0,prev_roots=0,max_mmu_pages=6", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	kt_long(v, PG('A'));
	msim_kvm_on_cr3(v, PG('A'), PG('B'));
	cr_assert_eq(kc(t, "kvm.sp.reclaimed"), 0);
	msim_kvm_on_cr3(v, PG('B'), PG('C'));
	cr_assert_eq(kc(t, "kvm.sp.reclaimed"), 2); /* A and B, root_count 0 */
	cr_assert_eq(t->kvm->n_used, 1);
	kt_free(t);
}

Test(kvm_shadow, R4_10_zap_flush_batched_vs_per_table)
{
	const char *p[2] = { "preset=6.18-pvm,cpl0_emulated=0", "preset=6.18-pvm,cpl0_emulated=0,zap_flush=per-table" };
	uint64_t want[2] = { 1, 3 };

	for (int i = 0; i < 2; i++) {
		struct kt *t = kt_new(p[i], 1);
		msim_kvm_vcpu *v = kt_vcpu(t, 0);
		uint64_t rf;

		tables(t);
		kt_long(v, PML4);
		acc(v, MSIM_ACC_READ, GVA);
		rf = kc(t, "kvm.flush.remote");
		kvm_prepare_zap(t->kvm, kt_find_sp(t, PDPT >> 12, 0x3303));
		kvm_prepare_zap(t->kvm, kt_find_sp(t, PD >> 12, 0x3302));
		kvm_prepare_zap(t->kvm, kt_find_sp(t, PT >> 12, 0x3301));
		kvm_commit_zap(t->kvm);
		cr_assert_eq(kc(t, "kvm.flush.remote") - rf, want[i], "%s", p[i]);
		cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 1);
		kt_free(t);
	}
}

Test(kvm_shadow, R6_9_invlpg_resyncs_written_spte)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	tables(t);
	kt_long(v, PML4);
	acc(v, MSIM_ACC_READ, GVA);
	acc(v, MSIM_ACC_WRITE, GVA_PT);
	msim_kvm_on_wrmem(t->kvm, PT, 8);
	msim_kvm_on_invlpg(v, GVA);
	cr_assert_eq(kc(t, "kvm.flush.gva"), 1);
	cr_assert_eq(t->last.op, MSIM_KVM_TLB_INVVPID_ADDR);
	cr_assert_eq(t->last.gva, GVA);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 1);
	kt_free(t);
}

/* Under TDP the access maps each gfn the 2D walk touches once. */
Test(kvm_shadow, R5_1_tdp_violations_map_gfns)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_access_res r;

	tables(t);
	kt_long(v, PML4);
	r = acc(v, MSIM_ACC_READ, GVA);
	cr_assert_eq(r.exits, 5); /* PML4, PDPT, PD, PT frames + data */
	r = acc(v, MSIM_ACC_READ, GVA);
	cr_assert_eq(r.exits, 0);
	r = acc(v, MSIM_ACC_READ, GVA_PT);
	cr_assert_eq(r.exits, 0); /* same frames */
	kt_free(t);
}

/* tdp_mmu_root_count() vs kvm_mmu_free_roots(): a TDP MMU tree survives a reset only from 6.4 */
Test(kvm_shadow, R4_14_R4_15_tree_refault_after_reset)
{
	const char *p[2] = { "preset=5.18", "preset=6.4" };
	unsigned want[2] = { 5, 0 };

	for (int i = 0; i < 2; i++) {
		struct kt *t = kt_new(p[i], 1);
		msim_kvm_vcpu *v = kt_vcpu(t, 0);

		tables(t);
		kt_long(v, PML4);
		acc(v, MSIM_ACC_READ, GVA);
		kvm_mmu_reset_context(v, RC_EFER);
		cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, want[i], "%s", p[i]);
		kt_free(t);
	}
}

/* kvm_mmu_sync_roots(), kvm_mmu_get_page(): legacy TDP direct pages live in the hash; the wp1 tree
 * comes back with the root after a WP round trip (pre-5.18 roles) */
Test(kvm_shadow, R4_13_legacy_tdp_tree_survives_in_hash)
{
	const char *p[2] = { "preset=5.10,mmu=legacy-tdp", "preset=5.10" };
	unsigned want[2] = { 0, 5 };

	for (int i = 0; i < 2; i++) {
		struct kt *t = kt_new(p[i], 1);
		msim_kvm_vcpu *v = kt_vcpu(t, 0);

		tables(t);
		kt_long(v, PML4);
		cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 5);
		msim_kvm_on_cr0(v, CR0_LONG, CR0_LONG & ~MSIM_CR0_WP);
		cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 5, "%s", p[i]);
		msim_kvm_on_cr0(v, CR0_LONG & ~MSIM_CR0_WP, CR0_LONG);
		cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, want[i], "%s", p[i]);
		kt_free(t);
	}
}

Test(kvm_shadow, R4_4_legacy_tdp_direct_pages_keyed_by_gfn_base)
{
	struct kt *t = kt_new("preset=5.18,mmu=legacy-tdp", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint32_t root;

	tables(t);
	kt_long(v, PML4);
	root = v->root_mmu.root_role;
	acc(v, MSIM_ACC_READ, GVA);
	/* data gpa 0x50000: level-1 direct page maps gfns 0..511 (gfn 0) */
	cr_assert_not_null(kt_find_sp(t, 0, (root & ~0xfu) | 1));
	cr_assert_not_null(kt_find_sp(t, 0, (root & ~0xfu) | 2));
	cr_assert_not_null(kt_find_sp(t, 0, (root & ~0xfu) | 3));
	cr_assert_eq(kc(t, "kvm.sp.created"), 4);
	kt_free(t);
}

/* A read maps the leaf read-only; the first write faults to make it
 * writable (the gfn is no guest table), later writes do not exit. */
Test(kvm_shadow, R4_8_read_mapping_then_write_fault)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);

	tables(t);
	kt_long(v, PML4);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 1);
	cr_assert_eq(acc(v, MSIM_ACC_WRITE, GVA).exits, 1);
	cr_assert_eq(acc(v, MSIM_ACC_WRITE, GVA).exits, 0);
	cr_assert_eq(acc(v, MSIM_ACC_READ, GVA).exits, 0);
	cr_assert_eq(kc(t, "kvm.sp.unsync"), 0); /* 0x50000 is data */
	/* writes to the write-protected PD frame exit every time */
	cr_assert_eq(acc(v, MSIM_ACC_WRITE, GVA_PD).exits, 1);
	cr_assert_eq(acc(v, MSIM_ACC_WRITE, GVA_PD).exits, 1);
	cr_assert_eq(kc(t, "kvm.write_emulated"), 2);
	kt_free(t);
}
