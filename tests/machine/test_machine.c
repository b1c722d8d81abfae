/*
 * The machine: architectural state handling, input checks and the
 * observations a walk produces. Expected values come from the SDM (INIT
 * state, SMM entry state; SDM Vol. 3A 4.5 walk order, 4.8 A flags at every
 * level).
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mmu_sim/machine.h"

static msim_event ev0(unsigned type, unsigned nargs, const uint64_t *args)
{
	msim_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = (uint16_t)type;
	for (unsigned i = 0; i < nargs; i++) {
		ev.arg[i] = args[i];
		ev.present |= (uint16_t)(1u << i);
	}
	return ev;
}

#define EV(type, ...)                                                          \
	ev0(type, sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t),      \
	    (uint64_t[]){ __VA_ARGS__ })

static msim_machine *mk(void)
{
	msim_machine *m;

	cr_assert_eq(msim_machine_create(&m, NULL), 0);
	return m;
}

/* 4-level tables: gva 0x7000 -> 0x10000, user RW (as traces/walk-demo.trace). */
static void map_user_page(msim_machine *m)
{
	static const uint64_t w[][2] = { { 0x1000, 0x2007 }, { 0x2000, 0x3007 },
					 { 0x3000, 0x4007 }, { 0x4038, 0x10007 } };
	msim_event e;

	for (unsigned i = 0; i < 4; i++) {
		e = EV(MSIM_EV_WRMEM, w[i][0], w[i][1]);
		cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	}
	e = EV(MSIM_EV_SREGS, 0x80010033, 0x1000, 0x20, 0xd00);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
}

Test(machine, sregs_rejects_pg_without_pe)
{
	msim_machine *m = mk();
	msim_event e = EV(MSIM_EV_SREGS, 0x80000000, 0, 0, 0);

	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_EINVAL);
	cr_assert_not_null(strstr(msim_last_error(), "CR0.PG=1 with CR0.PE=0"));
	/* LMA without paging is just as impossible */
	e = EV(MSIM_EV_SREGS, 0x11, 0, 0x20, 0x500);
	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_EINVAL);
	msim_machine_free(m);
}

Test(machine, mov_cr0_pg_without_pe_is_gp_not_error)
{
	msim_machine *m = mk();
	msim_event e = EV(MSIM_EV_CR0, 0x80000000);
	msim_event_result res;

	cr_assert_eq(msim_machine_event(m, &e, &res), 0);
	cr_assert(res.gp);
	/* #GP(0), state unchanged: PG with PE = 0 (SDM Vol. 2B, MOV to CR0);
 * CR0 keeps its INIT value */
	cr_assert_eq(msim_machine_regs(m, 0)->cr0, 0x60000010);
	cr_assert_eq(msim_stats_get(msim_machine_stats(m), "arch.gp"), 1);
	msim_machine_free(m);
}

Test(machine, machine_event_only_first_and_vcpu_range)
{
	msim_machine *m = mk();
	msim_event e = EV(MSIM_EV_MACHINE, 2);

	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	cr_assert_eq(msim_machine_nr_vcpus(m), 2);
	e = EV(MSIM_EV_CR4, 0);
	e.vcpu = 1;
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	e.vcpu = 2;
	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_ERANGE);
	e = EV(MSIM_EV_MACHINE, 4);
	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_EINVAL);
	msim_machine_free(m);
}

Test(machine, wrmem_checks)
{
	msim_machine *m = mk();
	msim_event e = EV(MSIM_EV_WRMEM, 0x1004, 1, 8);

	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_EINVAL); /* misaligned */
	e = EV(MSIM_EV_WRMEM, 0x1000, 0x100, 1);
	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_ERANGE); /* 0x100 > 1 byte */
	e = EV(MSIM_EV_WRMEM, 1ULL << 46, 1);
	cr_assert_eq(msim_machine_event(m, &e, NULL), MSIM_ERANGE); /* above MAXPHYADDR */
	e = EV(MSIM_EV_WRMEM, 0x1002, 0xbeef, 2);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	cr_assert_eq(msim_gmem_read64(msim_machine_memory(m), 0x1000), 0xbeef0000ULL);
	msim_machine_free(m);
}

Test(machine, smi_rsm_round_trip_and_init)
{
	msim_machine *m = mk();
	msim_event e;
	const msim_paging_regs *r;

	map_user_page(m);
	e = ev0(MSIM_EV_SMI, 0, NULL);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	r = msim_machine_regs(m, 0);
	/* SMM entry: PE, PG, EM, TS cleared; CR4 and EFER zero */
	cr_assert_eq(r->cr0, 0x80010033 & ~0x8000000dULL);
	cr_assert_eq(r->cr4, 0);
	cr_assert_eq(r->efer, 0);
	e = ev0(MSIM_EV_RSM, 0, NULL);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	cr_assert_eq(r->cr0, 0x80010033);
	cr_assert_eq(r->cr3, 0x1000);
	cr_assert_eq(r->efer, 0xd00);
	e = ev0(MSIM_EV_INIT, 0, NULL);
	cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	cr_assert_eq(r->cr0, 0x60000010); /* SDM INIT value */
	cr_assert_eq(r->cr3, 0);
	msim_machine_free(m);
}

struct obs_log {
	msim_observation o[32];
	unsigned n;
};

static void log_obs(void *ctx, const msim_observation *o)
{
	struct obs_log *l = ctx;

	if (l->n < 32)
		l->o[l->n++] = *o;
}

Test(machine, access_observations_in_walk_order)
{
	msim_machine *m = mk();
	struct obs_log log = { .n = 0 };
	msim_event e = EV(MSIM_EV_ACCESS, MSIM_ACC_WRITE, 0x7008, 3);
	msim_event_result res;
	static const uint64_t gpa[4] = { 0x1000, 0x2000, 0x3000, 0x4038 };
	static const uint64_t val[4] = { 0x2007, 0x3007, 0x4007, 0x10007 };

	map_user_page(m);
	msim_machine_set_observer(m, log_obs, &log);
	cr_assert_eq(msim_machine_event(m, &e, &res), 0);
	cr_assert(res.translated);
	cr_assert_eq(res.gpa, 0x10008);
	/* PML4E, PDPTE, PDE, PTE read in order (SDM Vol. 3A 4.5) */
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(log.o[i].kind, MSIM_EXP_WALK);
		cr_assert_eq(log.o[i].arg[0], 4 - i);
		cr_assert_eq(log.o[i].arg[1], gpa[i]);
		cr_assert_eq(log.o[i].arg[2], val[i]);
	}
	/* A set at every level, D in the leaf for a write (SDM Vol. 3A 4.8) */
	unsigned ad = 0;
	for (unsigned i = 4; i < log.n; i++) {
		if (log.o[i].kind != MSIM_EXP_AD)
			continue;
		uint64_t want = log.o[i].arg[0] == 0x4038 ? 0x10067 : 0;
		if (want)
			cr_assert_eq(log.o[i].arg[1], want);
		else
			cr_assert_eq(log.o[i].arg[1] & 0x60, 0x20);
		ad++;
	}
	cr_assert_eq(ad, 4);
	cr_assert_eq(log.o[log.n - 1].kind, MSIM_EXP_OK);
	cr_assert_eq(log.o[log.n - 1].arg[1], 0x10008);
	msim_machine_free(m);
}

/*
 * SDM 26.3.2.4: VM entry into a PAE L2 loads its four PDPTEs, so L2's
 * first access walks PD and PT only (found by the bench figures: without
 * the load every L2 access faulted with P=0).
 */
Test(machine, vmentry_pae_l2_loads_pdptes)
{
	msim_machine_opts o = MSIM_MACHINE_OPTS_INIT;
	msim_machine *m;
	msim_event_result res;
	msim_event e;
	static const uint64_t w[][2] = {
		{ 0x5000, 0x6001 },   /* PDPTE[0] -> PD 0x6000 (P) */
		{ 0x6000, 0x7007 },   /* PDE[0] -> PT 0x7000 (P|RW|US) */
		{ 0x7008, 0x20007 },  /* PTE[1]: gva 0x1000 -> 0x20000 */
	};

	o.kvm = "preset=6.4";
	cr_assert_eq(msim_machine_create(&m, &o), 0, "%s", msim_last_error());
	map_user_page(m); /* L1 in long mode */
	for (unsigned i = 0; i < 3; i++) {
		e = EV(MSIM_EV_WRMEM, w[i][0], w[i][1]);
		cr_assert_eq(msim_machine_event(m, &e, NULL), 0);
	}
	/* vmentry ept=0 eptp=0 vpid_en=1 vpid=1 cr3=0x5000 cr0=PG|ET|PE cr4=PAE efer=0 */
	e = EV(MSIM_EV_VMENTRY, 0, 0, 1, 1, 0x5000, 0x80000011, 0x20, 0);
	cr_assert_eq(msim_machine_event(m, &e, &res), 0, "%s", msim_last_error());
	cr_assert_not(res.gp);
	cr_assert_eq(msim_machine_regs(m, 0)->pdpte[0], 0x6001);
	e = EV(MSIM_EV_ACCESS, MSIM_ACC_READ, 0x1008, 3);
	cr_assert_eq(msim_machine_event(m, &e, &res), 0, "%s", msim_last_error());
	cr_assert_eq(res.fault.kind, MSIM_FAULT_NONE, "ec 0x%x", res.fault.pf_ec);
	cr_assert_eq(res.gpa, 0x20008);
	/* vmexit restores L1's long-mode state */
	e = ev0(MSIM_EV_VMEXIT, 0, NULL);
	cr_assert_eq(msim_machine_event(m, &e, &res), 0);
	cr_assert_eq(msim_machine_regs(m, 0)->cr3, 0x1000);
	cr_assert_eq(msim_machine_regs(m, 0)->efer, 0xd00);
	msim_machine_free(m);
}
