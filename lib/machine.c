/*
 * The machine: vCPUs, their architectural state, and the dispatch of trace
 * events to the walker, the hardware model and the KVM model.
 *
 * Architectural rules (which writes #GP, what SMI/INIT load) are applied
 * here for every event; the KVM model then sees only accepted writes, as
 * KVM's post-set hooks do.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "machine_internal.h"
#include "mmu_sim/trace.h"

/* INIT state of the registers the MMU cares about (SDM Vol. 3 Table 10-1). */
static const msim_paging_regs init_regs = MSIM_PAGING_REGS_INIT;

static int machine_err(const msim_event *ev, int code, const char *what)
{
	const msim_event_spec *sp = msim_event_spec_get(ev->type);

	/* the replay engine prefixes file:line */
	return msim_err(code, "%s: %s", sp ? sp->name : "event", what);
}

static int machine_start(struct msim_machine *m)
{
	m->vcpus = calloc(m->nr_vcpus, sizeof(*m->vcpus));
	if (!m->vcpus)
		return msim_err(MSIM_ENOMEM, "out of memory");
	for (unsigned i = 0; i < m->nr_vcpus; i++) {
		m->vcpus[i].id = i;
		m->vcpus[i].regs = init_regs;
	}
	m->started = true;
	return 0;
}

int msim_machine_create(msim_machine **out, const msim_machine_opts *opts)
{
	msim_machine_opts def = MSIM_MACHINE_OPTS_INIT;
	msim_gmem_opts gopts = MSIM_GMEM_OPTS_INIT;
	struct msim_machine *m;
	int r;

	if (!out)
		return msim_err(MSIM_EINVAL, "msim_machine_create: out is NULL");
	if (!opts)
		opts = &def;
	if (opts->nr_vcpus < 1 || opts->nr_vcpus > MSIM_MAX_VCPUS)
		return msim_err(MSIM_ERANGE, "number of vCPUs %u is outside 1..%d",
				opts->nr_vcpus, MSIM_MAX_VCPUS);
	if (opts->features.maxphyaddr < 32 || opts->features.maxphyaddr > 52)
		return msim_err(MSIM_ERANGE, "MAXPHYADDR %u is outside 32..52",
				opts->features.maxphyaddr);
	if (opts->kvm && *opts->kvm)
		return msim_err(MSIM_ENOTSUP,
				"the KVM MMU model is not built into this library yet");
	m = calloc(1, sizeof(*m));
	if (!m)
		return msim_err(MSIM_ENOMEM, "out of memory");
	m->opts = *opts;
	m->nr_vcpus = opts->nr_vcpus;
	gopts.max_bytes = opts->mem_limit;
	if ((r = msim_gmem_create(&m->mem, &gopts)) ||
	    (r = msim_stats_create(&m->stats)))
		goto fail;

	for (unsigned t = 1; t < MSIM_EV_COUNT_; t++) {
		char name[64];

		snprintf(name, sizeof(name), "events.%s", msim_event_spec_get(t)->name);
		if ((r = m->c_events[t] = msim_stats_register(m->stats, name,
						"trace events of this type")) < 0)
			goto fail;
	}
#define REG(field, name, desc)                                                 \
	if ((r = m->field = msim_stats_register(m->stats, name, desc)) < 0)    \
		goto fail;
	REG(c_gp, "arch.gp", "register writes that raised #GP(0)");
	REG(c_access_ok, "access.ok", "accesses that translated");
	REG(c_access_pf, "access.pf", "accesses that raised a guest #PF");
	REG(c_access_other, "access.fault_other", "accesses that raised #GP or a nested fault");
	REG(c_ad, "walk.ad_writes", "A/D updates written by walks");
	REG(c_expect, "expect.lines", "expectation lines (checked by validate)");
#undef REG
	*out = m;
	return 0;
fail:
	msim_machine_free(m);
	return r;
}

void msim_machine_free(msim_machine *m)
{
	if (!m)
		return;
	free(m->vcpus);
	msim_gmem_free(m->mem);
	msim_stats_free(m->stats);
	free(m);
}

void msim_machine_set_observer(msim_machine *m, msim_observer_fn fn, void *ctx)
{
	m->observer = fn;
	m->observer_ctx = ctx;
}

msim_stats *msim_machine_stats(msim_machine *m)
{
	return m->stats;
}

msim_gmem *msim_machine_memory(msim_machine *m)
{
	return m->mem;
}

unsigned msim_machine_nr_vcpus(const msim_machine *m)
{
	return m->nr_vcpus;
}

const msim_paging_regs *msim_machine_regs(const msim_machine *m, unsigned vcpu)
{
	if (!m->started || vcpu >= m->nr_vcpus)
		return vcpu < m->nr_vcpus ? &init_regs : NULL;
	return &m->vcpus[vcpu].regs;
}

/* ------------------------------------------------------------ events */

/* `machine vcpus= maxphyaddr= vendor= features=`: only before anything else. */
static int ev_machine(struct msim_machine *m, const msim_event *ev)
{
	if (m->started)
		return machine_err(ev, MSIM_EINVAL,
				   "must come before every other event");
	if (ev->present & 1) {
		if (ev->arg[0] < 1 || ev->arg[0] > MSIM_MAX_VCPUS)
			return machine_err(ev, MSIM_ERANGE, "vcpus outside 1..256");
		m->nr_vcpus = (unsigned)ev->arg[0];
	}
	if (ev->present & 2) {
		if (ev->arg[1] < 32 || ev->arg[1] > 52)
			return machine_err(ev, MSIM_ERANGE, "maxphyaddr outside 32..52");
		m->opts.features.maxphyaddr = (unsigned)ev->arg[1];
	}
	if (ev->present & 4)
		m->opts.features.vendor = ev->arg[2] ? MSIM_VENDOR_AMD : MSIM_VENDOR_INTEL;
	return 0;
}

static void note_gp(struct msim_machine *m, struct msim_vcpu *v,
		    msim_event_result *res, const char *why)
{
	msim_stats_add(m->stats, m->c_gp, 1);
	msim_machine_observe(m, v->id, MSIM_EXP_GP, 0, 0, 0);
	if (res) {
		res->gp = true;
		res->gp_why = why;
	}
}

static int ev_reg_write(struct msim_machine *m, struct msim_vcpu *v,
			const msim_event *ev, msim_arch_reg reg,
			msim_event_result *res)
{
	msim_arch_result ar;
	int r = msim_arch_write(&m->opts.features, &v->regs, reg, ev->arg[0],
				m->mem, &ar);

	if (r)
		return r;
	if (ar.gp)
		note_gp(m, v, res, ar.why);
	return 0;
}

/*
 * KVM_SET_SREGS: userspace loads the whole state. KVM rejects impossible
 * combinations with -EINVAL (kvm_is_valid_sregs), so a trace holding one is
 * malformed input, not a guest fault.
 */
static int ev_sregs(struct msim_machine *m, struct msim_vcpu *v,
		    const msim_event *ev)
{
	uint64_t cr0 = ev->arg[0], cr4 = ev->arg[2], efer = ev->arg[3];
	msim_paging_regs n = v->regs;

	if ((cr0 & MSIM_CR0_PG) && !(cr0 & MSIM_CR0_PE))
		return machine_err(ev, MSIM_EINVAL, "CR0.PG=1 with CR0.PE=0 is impossible");
	if ((cr0 >> 32) || (cr4 >> 32))
		return machine_err(ev, MSIM_EINVAL, "CR0/CR4 bits 63:32 are reserved");
	if ((efer & MSIM_EFER_LMA) && !(efer & MSIM_EFER_LME))
		return machine_err(ev, MSIM_EINVAL, "EFER.LMA=1 with EFER.LME=0 is impossible");
	if ((cr0 & MSIM_CR0_PG) && (efer & MSIM_EFER_LME) && !(cr4 & MSIM_CR4_PAE))
		return machine_err(ev, MSIM_EINVAL, "long mode paging requires CR4.PAE");
	if (!!(efer & MSIM_EFER_LMA) != ((cr0 & MSIM_CR0_PG) && (efer & MSIM_EFER_LME)))
		return machine_err(ev, MSIM_EINVAL,
				   "EFER.LMA must equal CR0.PG && EFER.LME");
	if ((cr4 & MSIM_CR4_PCIDE) && !(efer & MSIM_EFER_LMA))
		return machine_err(ev, MSIM_EINVAL, "CR4.PCIDE requires long mode");
	n.cr0 = cr0;
	n.cr3 = ev->arg[1];
	n.cr4 = cr4;
	n.efer = efer;
	if (msim_paging_mode_of(&n) == MSIM_PAGING_PAE) {
		bool gp = false;
		int r = msim_pae_load_pdptes(&m->opts.features, m->mem, n.cr3,
					     n.pdpte, &gp);
		if (r)
			return r;
		if (gp)
			return machine_err(ev, MSIM_EINVAL,
					   "PAE PDPTEs have reserved bits set");
	}
	v->regs = n;
	return 0;
}

static int ev_wrmem(struct msim_machine *m, const msim_event *ev)
{
	unsigned size = (ev->present & 4) ? (unsigned)ev->arg[2] : 8;
	int r;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return machine_err(ev, MSIM_EINVAL, "size must be 1, 2, 4 or 8");
	if (ev->arg[0] & (size - 1))
		return machine_err(ev, MSIM_EINVAL, "gpa is not aligned to size");
	if (ev->arg[0] >> m->opts.features.maxphyaddr)
		return machine_err(ev, MSIM_ERANGE, "gpa is above MAXPHYADDR");
	if (size < 8 && (ev->arg[1] >> (size * 8)))
		return machine_err(ev, MSIM_ERANGE, "value does not fit in size bytes");
	r = msim_gmem_write(m->mem, ev->arg[0], size, ev->arg[1]);
	if (r == MSIM_ERANGE)
		return machine_err(ev, r, msim_last_error());
	return r;
}

static unsigned access_flags(const msim_event *ev)
{
	unsigned acc = 0;

	if (ev->arg[0] == MSIM_ACC_WRITE)
		acc |= MSIM_WACC_WRITE;
	else if (ev->arg[0] == MSIM_ACC_FETCH)
		acc |= MSIM_WACC_FETCH;
	if (ev->arg[4])
		acc |= MSIM_WACC_IMPLICIT;
	else if (ev->arg[2] == 3)
		acc |= MSIM_WACC_USER;
	return acc;
}

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
			msim_stats_add(m->stats, m->c_ad, 1);
			msim_machine_observe(m, v->id, MSIM_EXP_AD, ref->addr, val, 0);
		}
	}
}

static int ev_access(struct msim_machine *m, struct msim_vcpu *v,
		     const msim_event *ev, msim_event_result *res)
{
	msim_walk_opts wo = MSIM_WALK_OPTS_INIT;
	msim_walk_result w;
	int r;

	v->regs.cpl = (uint8_t)ev->arg[2];
	if (ev->arg[3])
		v->regs.rflags |= MSIM_RFLAGS_AC;
	else
		v->regs.rflags &= ~MSIM_RFLAGS_AC;
	r = msim_walk(m->mem, &m->opts.features, &v->regs, &wo, ev->arg[1],
		      access_flags(ev), &w);
	if (r)
		return r;
	observe_walk(m, v, &w);
	if (res)
		res->fault = w.fault;
	switch (w.fault.kind) {
	case MSIM_FAULT_NONE:
		msim_stats_add(m->stats, m->c_access_ok, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_OK, ev->arg[1], w.gpa, 0);
		if (res) {
			res->translated = true;
			res->gpa = w.gpa;
			res->page_size = w.page_size;
		}
		break;
	case MSIM_FAULT_PF:
		msim_stats_add(m->stats, m->c_access_pf, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_PF, w.fault.cr2,
				     w.fault.pf_ec, 0);
		break;
	case MSIM_FAULT_GP:
		msim_stats_add(m->stats, m->c_access_other, 1);
		msim_machine_observe(m, v->id, MSIM_EXP_GP, 0, 0, 0);
		break;
	default:
		msim_stats_add(m->stats, m->c_access_other, 1);
		break;
	}
	return 0;
}

/* SMI: save state, enter an SMM state with paging and protection off. */
static int ev_smi(struct msim_machine *m, struct msim_vcpu *v,
		  const msim_event *ev)
{
	if (v->smm.active)
		return 0; /* SMIs are latched while in SMM */
	v->smm.saved = v->regs;
	v->smm.active = true;
	v->regs.cr0 &= ~(MSIM_CR0_PE | MSIM_CR0_PG | (1ULL << 2) /* EM */ |
			 (1ULL << 3) /* TS */);
	v->regs.cr4 = 0;
	v->regs.efer = 0;
	v->regs.cpl = 0;
	return 0;
}

static int ev_rsm(struct msim_machine *m, struct msim_vcpu *v,
		  const msim_event *ev, msim_event_result *res)
{
	if (!v->smm.active) {
		/* RSM outside SMM is #UD; report it like a rejected write. */
		note_gp(m, v, res, "RSM outside SMM (#UD)");
		return 0;
	}
	v->regs = v->smm.saved;
	v->smm.active = false;
	return 0;
}

static int ev_pkr(struct msim_vcpu *v, const msim_event *ev)
{
	if (ev->type == MSIM_EV_PKRU)
		v->regs.pkru = (uint32_t)ev->arg[0];
	else
		v->regs.pkrs = (uint32_t)ev->arg[0];
	return 0;
}

int msim_machine_event(msim_machine *m, const msim_event *ev,
		       msim_event_result *res)
{
	struct msim_vcpu *v;
	int r;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!ev || ev->type == MSIM_EV_NONE || ev->type >= MSIM_EV_COUNT_)
		return msim_err(MSIM_EINVAL, "unknown event type %u",
				ev ? ev->type : 0);
	msim_stats_add(m->stats, m->c_events[ev->type], 1);
	if (ev->type == MSIM_EV_MACHINE)
		return ev_machine(m, ev);
	if (!m->started && (r = machine_start(m)))
		return r;
	if (ev->vcpu >= m->nr_vcpus)
		return machine_err(ev, MSIM_ERANGE,
				   "vCPU index is not below the machine's vcpus "
				   "(declare more with `machine vcpus=N`)");
	v = &m->vcpus[ev->vcpu];

	switch ((msim_event_type)ev->type) {
	case MSIM_EV_VCPU:
		if (ev->arg[0] >= m->nr_vcpus)
			return machine_err(ev, MSIM_ERANGE,
					   "vCPU index is not below the machine's vcpus");
		return 0;
	case MSIM_EV_CR0:
		return ev_reg_write(m, v, ev, MSIM_REG_CR0, res);
	case MSIM_EV_CR3:
		return ev_reg_write(m, v, ev, MSIM_REG_CR3, res);
	case MSIM_EV_CR4:
		return ev_reg_write(m, v, ev, MSIM_REG_CR4, res);
	case MSIM_EV_EFER:
		return ev_reg_write(m, v, ev, MSIM_REG_EFER, res);
	case MSIM_EV_SREGS:
		return ev_sregs(m, v, ev);
	case MSIM_EV_WRMEM:
		return ev_wrmem(m, ev);
	case MSIM_EV_ACCESS:
		return ev_access(m, v, ev, res);
	case MSIM_EV_SMI:
		return ev_smi(m, v, ev);
	case MSIM_EV_RSM:
		return ev_rsm(m, v, ev, res);
	case MSIM_EV_INIT:
		v->regs = init_regs;
		v->smm.active = false;
		return 0;
	case MSIM_EV_PKRU:
	case MSIM_EV_PKRS:
		return ev_pkr(v, ev);
	case MSIM_EV_EXPECT:
		msim_stats_add(m->stats, m->c_expect, 1);
		return 0;
	case MSIM_EV_MARK:
		return 0;
	case MSIM_EV_INVLPG:
	case MSIM_EV_INVPCID:
	case MSIM_EV_CPUID:
	case MSIM_EV_MEMSLOT:
		/* No architectural state beyond TLBs and the KVM model. */
		return 0;
	case MSIM_EV_INVEPT:
	case MSIM_EV_INVVPID:
	case MSIM_EV_VMENTRY:
	case MSIM_EV_VMEXIT:
		return machine_err(ev, MSIM_ENOTSUP,
				   "nested virtualization events need the KVM "
				   "model, which this build does not have yet");
	case MSIM_EV_MACHINE:
	case MSIM_EV_NONE:
	case MSIM_EV_COUNT_:
		break;
	}
	return msim_err(MSIM_EINVAL, "unknown event type %u", ev->type);
}
