/*
 * What KVM's flush kinds do to the simulated TLB (kvm_vcpu_flush_tlb_current() through tlb.h):
 * entries filled under a vCPU's context survive or go according to the
 * invalidation KVM executes.
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"
#include "mmu_sim/tlb.h"

#define PML4 0x10000ULL
#define GVA 0x400000ULL
#define RWP (MSIM_PTE_P | MSIM_PTE_RW)

struct tt {
	msim_kvm *kvm;
	msim_gmem *mem;
	msim_tlb *tlb;
	unsigned ops;
};

static void tt_tlb(void *ctx, unsigned vcpu, const msim_kvm_tlb_req *r)
{
	struct tt *t = ctx;
	msim_tlb_ctx c;

	msim_kvm_tlb_ctx(msim_kvm_vcpu_get(t->kvm, vcpu), &c);
	cr_assert_eq(msim_kvm_tlb_apply(t->tlb, &c, r), 0, "%s",
		     msim_last_error());
	t->ops++;
}

static struct tt *tt_new(const char *policy)
{
	static struct tt t;
	msim_kvm_opts o = MSIM_KVM_OPTS_INIT;
	msim_kvm_env env = { &t, tt_tlb, NULL };

	memset(&t, 0, sizeof(t));
	cr_assert_eq(msim_kvm_opts_parse(&o, policy), 0);
	cr_assert_eq(msim_gmem_create(&t.mem, NULL), 0);
	cr_assert_eq(msim_tlb_create(&t.tlb, NULL), 0);
	cr_assert_eq(msim_kvm_create(&t.kvm, &o, 1, NULL, NULL, t.mem, &env), 0);
	/* two address spaces A and B mapping GVA */
	for (unsigned i = 0; i < 2; i++) {
		uint64_t b = PML4 + i * 0x10000;

		msim_gmem_write(t.mem, b, 8, (b + 0x1000) | RWP);
		msim_gmem_write(t.mem, b + 0x1000, 8, (b + 0x2000) | RWP);
		msim_gmem_write(t.mem, b + 0x2000 + 16, 8, (b + 0x3000) | RWP);
		msim_gmem_write(t.mem, b + 0x3000, 8, (0x80000 + i * 0x1000) | RWP);
	}
	return &t;
}

static void tt_free(struct tt *t)
{
	msim_kvm_free(t->kvm);
	msim_tlb_free(t->tlb);
	msim_gmem_free(t->mem);
}

/* the machine's part of an access: walk + fill under the vCPU context */
static void fill(struct tt *t, msim_kvm_vcpu *v)
{
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_walk_result res;
	msim_kvm_access_res kr;
	msim_tlb_ctx c;

	regs.cr0 = v->cr0;
	regs.cr3 = v->cr3;
	regs.cr4 = v->cr4;
	regs.efer = v->efer;
	cr_assert_eq(msim_walk(t->mem, &cpu, &regs, NULL, GVA, 0, &res), 0);
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE);
	cr_assert_eq(msim_kvm_access(v, GVA, 0, &res, &kr), 0);
	msim_kvm_tlb_ctx(v, &c);
	msim_tlb_fill(t->tlb, &c, GVA, false, &res);
}

static bool cached(struct tt *t, msim_kvm_vcpu *v)
{
	msim_tlb_ctx c;
	msim_tlb_hit h;

	msim_kvm_tlb_ctx(v, &c);
	return msim_tlb_lookup(t->tlb, &c, GVA, false, &h) != 0;
}

Test(kvm_tlb, R2_19_shadow_cr3_miss_flushes_vpid)
{
	struct tt *t = tt_new("preset=6.18-pvm,cpl0_emulated=0");
	msim_kvm_vcpu *v = msim_kvm_vcpu_get(t->kvm, 0);

	msim_kvm_on_sregs(v, CR0_LONG, PML4, CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
	fill(t, v);
	cr_assert(cached(t, v));
	msim_kvm_on_cr3(v, PML4, PML4 + 0x10000); /* miss -> load -> INVVPID */
	msim_kvm_on_cr3(v, PML4 + 0x10000, PML4); /* hit -> FLUSH_CURRENT */
	cr_assert_not(cached(t, v));
	tt_free(t);
}

Test(kvm_tlb, R3_10_noflush_pcid_switch_keeps_entries)
{
	struct tt *t = tt_new("preset=6.18-pvm,cpl0_emulated=0");
	msim_kvm_vcpu *v = msim_kvm_vcpu_get(t->kvm, 0);
	uint64_t a = PML4 | 1, b = (PML4 + 0x10000) | 2;

	msim_kvm_on_sregs(v, CR0_LONG, a, CR4_LONG | MSIM_CR4_PCIDE, EFER_LONG);
	msim_kvm_before_entry(v);
	/* B is new: its load flushes the whole VPID (kvm_mmu_load()), A included */
	msim_kvm_on_cr3(v, a, b | (1ULL << 63));
	fill(t, v);
	msim_kvm_on_cr3(v, b, a | (1ULL << 63)); /* prev_roots hit: no flush */
	fill(t, v);
	{
		unsigned ops = t->ops;

		msim_kvm_on_cr3(v, a, b | (1ULL << 63));
		cr_assert_eq(t->ops, ops);
	}
	cr_assert(cached(t, v)); /* B's entry survived A's run */
	msim_kvm_on_cr3(v, b, a | (1ULL << 63));
	cr_assert_eq(v->root_mmu.root.pgd, a);
	tt_free(t);
}

Test(kvm_tlb, R6_5_tdp_load_invept_single_drops_combined_entries)
{
	struct tt *t = tt_new("preset=5.18");
	msim_kvm_vcpu *v = msim_kvm_vcpu_get(t->kvm, 0);
	msim_kvm_tags tags;

	msim_kvm_on_sregs(v, CR0_LONG, PML4, CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
	fill(t, v);
	cr_assert(cached(t, v));
	msim_kvm_get_tags(v, &tags);
	cr_assert_neq(tags.eptp, 0);
	/* a reset tears the 5.18 TDP MMU tree down and loads a new root */
	kvm_mmu_reset_context(v, RC_EFER);
	msim_kvm_before_entry(v);
	cr_assert_eq(msim_kvm_counter(t->kvm, "kvm.tdp.tree_teardown"), 1);
	cr_assert_not(cached(t, v)); /* the new root's load flushed it */
	/* reset on 6.4 reuses the root: same EPTP, INVEPT single drops it */
	tt_free(t);
	t = tt_new("preset=6.4");
	v = msim_kvm_vcpu_get(t->kvm, 0);
	msim_kvm_on_sregs(v, CR0_LONG, PML4, CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
	fill(t, v);
	kvm_mmu_reset_context(v, RC_EFER);
	msim_kvm_before_entry(v);
	cr_assert_not(cached(t, v));
	tt_free(t);
}

Test(kvm_tlb, R6_5_tdp_guest_flush_keeps_other_vpid)
{
	struct tt *t = tt_new("preset=6.4");
	msim_kvm_vcpu *v = msim_kvm_vcpu_get(t->kvm, 0);

	msim_kvm_on_sregs(v, CR0_LONG, PML4, CR4_LONG, EFER_LONG);
	msim_kvm_before_entry(v);
	fill(t, v);
	msim_kvm_on_cr4(v, CR4_LONG, CR4_LONG & ~MSIM_CR4_PGE); /* FLUSH_GUEST */
	cr_assert_not(cached(t, v));
	tt_free(t);
}
