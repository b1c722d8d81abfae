/*
 * Materialised EPT/NPT tables: after KVM handles the violations of an
 * access, a real 2D walk (walk.h + ept.h) over the host memory succeeds;
 * a teardown or zap makes it fault again (tdp_mmu_root_count(), kvm_mmu_free_roots(), kvm_mmu_zap_all_fast()).
 * SPDX-License-Identifier: MIT
 */
#include "kvm_test.h"
#include "mmu_sim/ept.h"

#define PML4 0x10000ULL
#define PDPT 0x20000ULL
#define PD 0x30000ULL
#define PT 0x40000ULL
#define GVA 0x400123ULL
#define RWP (MSIM_PTE_P | MSIM_PTE_RW)

static void tables(struct kt *t)
{
	msim_gmem_write(t->mem, PML4, 8, PDPT | RWP);
	msim_gmem_write(t->mem, PDPT, 8, PD | RWP);
	msim_gmem_write(t->mem, PD + 16, 8, PT | RWP);
	msim_gmem_write(t->mem, PT, 8, 0x50000 | RWP);
}

/* the hardware's 2D walk of GVA under the vCPU's current TDP root */
static msim_fault_kind walk2d(struct kt *t, msim_kvm_vcpu *v, uint64_t *pa)
{
	msim_cpu_features cpu = MSIM_CPU_FEATURES_INIT;
	msim_paging_regs regs = MSIM_PAGING_REGS_INIT;
	msim_walk_opts o = MSIM_WALK_OPTS_INIT;
	msim_nested n;
	msim_walk_result r;

	cr_assert(msim_kvm_nested_cfg(v, &n));
	regs.cr0 = v->cr0;
	regs.cr3 = v->cr3;
	regs.cr4 = v->cr4;
	regs.efer = v->efer;
	o.nested = &n;
	o.no_ad = true;
	cr_assert_eq(msim_walk(t->mem, &cpu, &regs, &o, GVA, 0, &r), 0, "%s",
		     msim_last_error());
	*pa = r.pa;
	return r.fault.kind;
}

static void touch(msim_kvm_vcpu *v)
{
	msim_kvm_access_res res;

	cr_assert_eq(msim_kvm_access(v, GVA, 0, NULL, &res), 0);
}

Test(kvm_mat, tdp_mmu_tables_walkable_after_violations)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t pa;

	tables(t);
	kt_long(v, PML4);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_EPT_VIOLATION);
	touch(v);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_NONE);
	cr_assert_eq(pa, 0x50123); /* hpa == gpa */
	kt_free(t);
}

Test(kvm_mat, R4_14_R4_15_teardown_empties_tables)
{
	const char *p[2] = { "preset=5.18", "preset=6.4" };
	msim_fault_kind want[2] = { MSIM_FAULT_EPT_VIOLATION, MSIM_FAULT_NONE };

	for (int i = 0; i < 2; i++) {
		struct kt *t = kt_new(p[i], 1);
		msim_kvm_vcpu *v = kt_vcpu(t, 0);
		uint64_t pa;

		tables(t);
		kt_long(v, PML4);
		touch(v);
		kvm_mmu_reset_context(v, RC_EFER);
		msim_kvm_before_entry(v);
		cr_assert_eq(walk2d(t, v, &pa), want[i], "%s", p[i]);
		kt_free(t);
	}
}

Test(kvm_mat, R2_21_legacy_tdp_zap_all_fast)
{
	struct kt *t = kt_new("preset=5.18,mmu=legacy-tdp", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	uint64_t pa;

	tables(t);
	kt_long(v, PML4);
	touch(v);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_NONE);
	cr_assert_eq(pa, 0x50123);
	msim_kvm_on_memslot(t->kvm, 2, 0x100, 1);
	msim_kvm_before_entry(v);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_EPT_VIOLATION);
	touch(v);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_NONE);
	kt_free(t);
}

Test(kvm_mat, svm_npt_tables)
{
	struct kt *t = kt_new("preset=6.4,vendor=amd", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_nested n;
	uint64_t pa;

	tables(t);
	kt_long(v, PML4);
	touch(v);
	cr_assert(msim_kvm_nested_cfg(v, &n));
	cr_assert_eq(n.kind, MSIM_NESTED_NPT);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_NONE);
	cr_assert_eq(pa, 0x50123);
	kt_free(t);
}

Test(kvm_mat, shadow_has_no_second_level)
{
	struct kt *t = kt_new("preset=6.18-pvm,cpl0_emulated=0", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_nested n;

	kt_long(v, PML4);
	cr_assert_not(msim_kvm_nested_cfg(v, &n));
	cr_assert_null(msim_kvm_host_mem(t->kvm));
	kt_free(t);
}

/* EPT02 sends an L2 gpa where EPT12 (in L1 memory) sends it */
Test(kvm_mat, R7_5_ept02_composes_ept12)
{
	struct kt *t = kt_new("preset=6.4", 1);
	msim_kvm_vcpu *v = kt_vcpu(t, 0);
	msim_kvm_vmentry e = { .ept = true, .vpid_en = true, .vpid = 5,
			       .cr0 = CR0_LONG, .cr3 = PML4, .cr4 = CR4_LONG,
			       .efer = EFER_LONG };
	uint64_t e12 = 0x70000, pa;

	tables(t);
	/* EPT12: identity 1-GiB page for L2 gpa 0..1G, shifted by 1 GiB */
	msim_gmem_write(t->mem, e12, 8, (e12 + 0x1000) | 7);
	msim_gmem_write(t->mem, e12 + 0x1000, 8, (1ULL << 30) | 7 | (6 << 3) |
			(1 << 7));
	e.eptp = e12 | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
	kt_long(v, 0x90000);
	msim_kvm_on_vmentry(v, &e);
	cr_assert_eq(v->mmu, &v->guest_mmu);
	touch(v);
	cr_assert_eq(walk2d(t, v, &pa), MSIM_FAULT_NONE);
	cr_assert_eq(pa, (1ULL << 30) + 0x50123);
	kt_free(t);
}
