/*
 * The machine's access path and its wiring to the hardware model (hw.c)
 * and the KVM model (kvm*.c).
 *
 * One guest access:
 *   bare metal: hw (TLB -> walk of the guest tables -> fill -> price).
 *   under KVM:  a TLB hit needs nothing from KVM (an entry exists only for
 *               a translation KVM's tables provided, and KVM flushes when it
 *               zaps). On a miss: the architectural guest walk (A/D, #PF),
 *               then KVM's part (shadow page faults / EPT violations,
 *               charged as exits), then the hardware walk that is priced:
 *               shadow -> a 1D walk shaped like the guest's tables (KVM's
 *               shadow pages mirror them level by level); TDP -> a 2D walk
 *               of the guest tables through the EPT/NPT tables the KVM
 *               model materialises for its current root.
 *   PVM (6.18-pvm): ring-0 accesses are emulated by KVM: a software walk,
 *               no hardware TLB.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "base/internal.h"
#include "base/stats_internal.h"
#include "machine/machine_internal.h"
#include "hw/access_event.h"

/* Identity-EPT tables (bare metal, "-2d" presets) live high in host memory. */
#define HOST_EPT_BASE 0x300000000000ULL
#define EPT_RWX 0x7ULL
#define EPT_MT_WB (6ULL << 3)

/* ------------------------------------------------------------ KVM callbacks */

static void env_tlb(void *ctx, unsigned vcpu, const msim_kvm_tlb_req *r)
{
	struct msim_machine *m = ctx;
	struct msim_vcpu *v = &m->vcpus[vcpu];
	msim_tlb_ctx tag;

	msim_machine_vcpu_tag(m, v, &tag);
	/* KVM charged the instruction's cycles itself (cycles.flush) */
	msim_kvm_tlb_apply(msim_hw_tlb(v->hw), &tag, r);
}

static void env_observe(void *ctx, unsigned vcpu, const msim_kvm_obs *o)
{
	struct msim_machine *m = ctx;

	switch (o->kind) {
	case MSIM_EXP_ROOT:
	case MSIM_EXP_SP:
		msim_machine_observe(m, vcpu, o->kind, o->how, o->gfn, o->role);
		break;
	case MSIM_EXP_FLUSH:
		msim_machine_observe(m, vcpu, o->kind, o->how, 0, 0);
		break;
	default: /* zap, sync, unsync: gfn, role */
		msim_machine_observe(m, vcpu, o->kind, o->gfn, o->role, 0);
		break;
	}
}

/* ------------------------------------------------------------ setup */

int msim_machine_hw_setup(struct msim_machine *m)
{
	msim_hw_opts ho = MSIM_HW_OPTS_INIT;
	const char *preset = m->opts.cost && *m->opts.cost ? m->opts.cost : "skylake-sp";
	int r;

	if ((r = msim_cost_preset(preset, &m->cost)))
		return r;
	if (m->opts.cost_file && (r = msim_cost_load_file(&m->cost, m->opts.cost_file)))
		return r;
	m->cost.tlb.seed = m->opts.seed;
	ho.cost = &m->cost;
	ho.stats = m->stats;
	for (unsigned i = 0; i < m->nr_vcpus; i++) {
		/* one socket: every vCPU's LLC is the first one's */
		ho.share_llc = i ? m->vcpus[0].hw : NULL;
		if ((r = msim_hw_create(&m->vcpus[i].hw, &ho)))
			return r;
	}

	if (m->opts.kvm && *m->opts.kvm) {
		msim_kvm_env env = { m, env_tlb, env_observe };
		msim_kvm_costs kc;

		msim_kvm_costs_from(&m->cost, &kc);
		if ((r = msim_kvm_create(&m->kvm, &m->kvm_opts, m->nr_vcpus, m->stats,
					 &kc, m->mem, &env)))
			return r;
		for (unsigned i = 0; i < m->nr_vcpus; i++)
			m->vcpus[i].kvm = msim_kvm_vcpu_get(m->kvm, i);
		m->tdp = m->kvm_opts.mmu != MSIM_KVM_MMU_SHADOW;
	} else if (m->cost.nested) {
		/*
		 * A "-2d" preset without a KVM model: the guest runs under a
		 * hypervisor whose EPT maps guest memory 1:1 with host pages of
		 * cost.host_page bytes; walks are 2D over that identity map.
		 */
		msim_gmem_opts go = MSIM_GMEM_OPTS_INIT;

		go.max_bytes = m->opts.mem_limit;
		if ((r = msim_gmem_create(&m->host_mem, &go)))
			return r;
		m->ept_next = HOST_EPT_BASE + 0x1000;
	}
	m->c_kvm_access_exits = msim_stats_register(m->stats, "kvm.access_exits",
						     "accesses that took a shadow #PF / EPT violation exit");
	return m->c_kvm_access_exits < 0 ? m->c_kvm_access_exits : 0;
}

/* ------------------------------------------------------------ tags */

void msim_machine_vcpu_tag(struct msim_machine *m, struct msim_vcpu *v,
			   msim_tlb_ctx *tag)
{
	if (v->kvm)
		msim_kvm_tlb_ctx(v->kvm, tag);
	else
		msim_hw_tag_from(tag, &v->regs, 0, NULL);
}

void msim_machine_arch_inval(struct msim_machine *m, struct msim_vcpu *v,
			     const msim_inv *op)
{
	msim_tlb_ctx tag;

	msim_machine_vcpu_tag(m, v, &tag);
	msim_hw_invalidate(v->hw, &tag, op, NULL);
}

/* ------------------------------------------------------------ identity EPT */

/*
 * Map the host page holding `gpa` 1:1 (4K, or 2M/1G leaves when the preset
 * says the host backs guest memory with large pages).
 */
static int ept_map(struct msim_machine *m, uint64_t gpa)
{
	unsigned leaf = m->cost.host_page >= (1ULL << 30) ? 3 :
			m->cost.host_page >= (1ULL << 21) ? 2 : 1;
	uint64_t table = HOST_EPT_BASE;
	int r;

	for (unsigned level = 4;; level--) {
		uint64_t slot = table + (((gpa >> (12 + 9 * (level - 1))) & 511) << 3);
		uint64_t e = msim_gmem_read64(m->host_mem, slot);

		if (level == leaf) {
			uint64_t mask = MSIM_GENMASK(51, 12 + 9 * (leaf - 1));

			if (e & EPT_RWX)
				return 0;
			return msim_gmem_write(m->host_mem, slot, 8, (gpa & mask) |
					       EPT_RWX | EPT_MT_WB |
					       (leaf > 1 ? MSIM_PTE_PS : 0));
		}
		if (!(e & EPT_RWX)) {
			e = m->ept_next | EPT_RWX;
			m->ept_next += 0x1000;
			if ((r = msim_gmem_write(m->host_mem, slot, 8, e)))
				return r;
		}
		table = e & MSIM_GENMASK(51, 12);
	}
}

/*
 * An EPT violation of the identity map: map the frame and retry, as the
 * hypervisor under the guest would (its cost is not the guest's to model
 * here: the preset describes a guest whose memory is already backed).
 */
static int hw_access_identity(struct msim_machine *m, struct msim_vcpu *v,
			      const msim_hw_xlat *x, uint64_t gva, unsigned acc,
			      msim_hw_result *hr)
{
	int r;

	for (unsigned tries = 0; tries < 8; tries++) {
		if ((r = msim_hw_access(v->hw, x, gva, acc, hr)))
			return r;
		if (hr->fault.kind != MSIM_FAULT_EPT_VIOLATION)
			return 0;
		if ((r = ept_map(m, hr->fault.gpa)))
			return r;
	}
	return msim_err(MSIM_EINVAL, "identity EPT: access to 0x%llx keeps faulting",
			(unsigned long long)gva);
}

/* ------------------------------------------------------------ accesses */

/* Report the entries a walk read and the A/D updates it made. */
static void observe_walk(struct msim_machine *m, struct msim_vcpu *v,
			 const msim_walk_result *w)
{
	for (unsigned i = 0; i < w->nrefs; i++) {
		const msim_walk_ref *ref = &w->refs[i];
		uint64_t val = 0;

		if (ref->dim != 0)
			continue;
		if (ref->kind == MSIM_REF_READ) {
			msim_machine_observe(m, v->id, MSIM_EXP_WALK, ref->level,
					     ref->addr, w->entries[ref->level].value);
		} else if (ref->kind == MSIM_REF_AD_WRITE) {
			msim_gmem_read(m->mem, ref->addr, ref->size, &val);
			msim_stats_inc(m->stats, m->c_ad, 1);
			msim_machine_observe(m, v->id, MSIM_EXP_AD, ref->addr, val, 0);
		}
	}
}

static void account_result(struct msim_machine *m, struct msim_vcpu *v,
			   uint64_t gva, const msim_fault *f, uint64_t gpa,
			   uint64_t page_size, msim_event_result *res)
{
	if (res)
		res->fault = *f;
	switch (f->kind) {
	case MSIM_FAULT_NONE:
		msim_stats_inc(m->stats, m->c_access_ok, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_OK, gva, gpa, 0);
		if (res) {
			res->translated = true;
			res->gpa = gpa;
			res->page_size = page_size;
		}
		break;
	case MSIM_FAULT_PF:
		msim_stats_inc(m->stats, m->c_access_pf, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_PF, f->cr2, f->pf_ec, 0);
		break;
	case MSIM_FAULT_GP:
		msim_stats_inc(m->stats, m->c_access_other, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_GP, 0, 0, 0);
		break;
	default:
		msim_stats_inc(m->stats, m->c_access_other, 1);
		break;
	}
}

/* What vCPU v runs: its guest tables, registers and tag context (1D). */
static void xlat_init(struct msim_machine *m, struct msim_vcpu *v, msim_hw_xlat *x)
{
	memset(x, 0, sizeof(*x));
	x->mem = m->mem;
	x->cpu = &m->opts.features;
	x->regs = &v->regs;
	msim_machine_vcpu_tag(m, v, &x->tag);
}

static const msim_hw_xlat *bare_xlat(struct msim_machine *m,
				     struct msim_vcpu *v)
{
	msim_hw_xlat *x = &v->bare_x;

	if (msim_likely(v->bare_gen == m->gen))
		return x;
	xlat_init(m, v, x);
	if (m->host_mem) {
		v->bare_n = (msim_nested)MSIM_NESTED_INIT;
		v->bare_n.mem = m->host_mem;
		v->bare_n.eptp = HOST_EPT_BASE | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
		x->nested = &v->bare_n;
		x->tag.nested = true;
		x->tag.ep4ta = HOST_EPT_BASE;
	}
	v->bare_gen = x->ctx_gen = m->gen;
	return x;
}

static int access_bare(struct msim_machine *m, struct msim_vcpu *v,
		       const msim_event *ev, unsigned acc, msim_event_result *res)
{
	msim_hw_result hr;
	int r;

	if ((r = hw_access_identity(m, v, bare_xlat(m, v), ev->arg[1], acc, &hr)))
		return r;
	if (hr.walk)
		observe_walk(m, v, hr.walk);
	account_result(m, v, ev->arg[1], &hr.fault, hr.gpa, hr.page_size, res);
	if (res)
		res->cycles = hr.cycles;
	return 0;
}

/* KVM's part of a TLB miss: the guest walk, then shadow/TDP faults. */
static int kvm_fault_in(struct msim_machine *m, struct msim_vcpu *v,
			uint64_t gva, unsigned acc, msim_walk_result *gw,
			uint64_t *kvm_cycles)
{
	msim_walk_opts wo = MSIM_WALK_OPTS_INIT;
	msim_kvm_access_res kr;
	int r;

	if ((r = msim_walk(m->mem, &m->opts.features, &v->regs, &wo, gva, acc, gw)))
		return r;
	if ((r = msim_kvm_access(v->kvm, gva, acc, gw, &kr)))
		return r;
	*kvm_cycles += kr.cycles;
	if (kr.exits || kr.emulated) {
		msim_stats_inc(m->stats, m->c_kvm_access_exits, 1);
		/* KVM's software walk is what a recording shows */
		observe_walk(m, v, gw);
	}
	return 0;
}

static int access_kvm(struct msim_machine *m, struct msim_vcpu *v,
		      const msim_event *ev, unsigned acc, msim_event_result *res)
{
	msim_walk_result gw;
	msim_nested n;
	msim_tlb_hit hit;
	msim_hw_xlat x;
	msim_hw_result hr;
	uint64_t kvm_cycles = 0, gva = ev->arg[1];
	int r;

	msim_kvm_pre_access(v->kvm, acc);
	if (msim_kvm_access_emulated(v->kvm, acc)) {
		/* emulated: KVM's software walk is the whole translation */
		if ((r = kvm_fault_in(m, v, gva, acc, &gw, &kvm_cycles)))
			return r;
		account_result(m, v, gva, &gw.fault, gw.gpa, gw.page_size, res);
		if (res)
			res->cycles = kvm_cycles;
		return 0;
	}
	xlat_init(m, v, &x);
	if (!msim_tlb_lookup(msim_hw_tlb(v->hw), &x.tag, gva, acc & MSIM_WACC_FETCH, &hit) ||
	    msim_rights_check(hit.rights, &v->regs, acc) ||
	    ((acc & MSIM_WACC_WRITE) && !hit.rights->dirty)) {
		/* miss (or a hit the hardware must re-walk): KVM may act */
		if ((r = kvm_fault_in(m, v, gva, acc, &gw, &kvm_cycles)))
			return r;
		if (gw.fault.kind != MSIM_FAULT_NONE) {
			/* the guest's #PF: no translation to price beyond the walk */
			account_result(m, v, gva, &gw.fault, 0, 0, res);
			if (res)
				res->cycles = kvm_cycles;
			return 0;
		}
		/* KVM may have loaded a new root: the context to price under */
		msim_machine_vcpu_tag(m, v, &x.tag);
	}
	if (m->tdp && msim_kvm_nested_cfg(v->kvm, &n))
		x.nested = &n;
	if ((r = msim_hw_access(v->hw, &x, gva, acc, &hr)))
		return r;
	account_result(m, v, gva, &hr.fault, hr.gpa, hr.page_size, res);
	if (res)
		res->cycles = hr.cycles + kvm_cycles;
	return 0;
}

/*
 * A run of bare-metal accesses by one vCPU whose translations the
 * hardware remembers (msim_hw_access_run): what msim_machine_event would
 * do for each, with the counters added once. Not with an observer, which
 * must see every access in order. Returns how many events were done.
 */
size_t msim_machine_access_run(struct msim_machine *m, const msim_event *ev,
			       size_t n)
{
	struct msim_vcpu *v;
	uint64_t cycles = 0;
	size_t done;

	if (!n || m->observer || !m->started || ev->vcpu >= m->nr_vcpus ||
	    m->vcpus[ev->vcpu].kvm)
		return 0;
	v = &m->vcpus[ev->vcpu];
	done = msim_hw_access_run(v->hw, bare_xlat(m, v), &v->regs, ev, n,
				  &cycles);
	msim_stats_inc(m->stats, m->c_events[MSIM_EV_ACCESS], done);
	msim_stats_inc(m->stats, m->c_access_ok, done);
	return done;
}

int msim_machine_access(struct msim_machine *m, struct msim_vcpu *v,
			const msim_event *ev, msim_event_result *res)
{
	unsigned acc = msim_access_flags(ev);

	msim_access_set_mode(&v->regs, ev);
	return v->kvm ? access_kvm(m, v, ev, acc, res) : access_bare(m, v, ev, acc, res);
}
