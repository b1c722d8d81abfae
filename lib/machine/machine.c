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

#include "base/internal.h"
#include "base/stats_internal.h"
#include "machine/machine_internal.h"
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
	return msim_machine_hw_setup(m);
}

int msim_machine_opts_init(msim_machine_opts *opts, unsigned version)
{
	static const msim_machine_opts def = MSIM_MACHINE_OPTS_INIT;

	if (!opts || version != MSIM_MACHINE_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_machine_opts_init: %s (this "
				"library knows version %d)",
				opts ? "unknown version" : "opts is NULL",
				MSIM_MACHINE_OPTS_VERSION);
	*opts = def;
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
	if (opts->version != MSIM_MACHINE_OPTS_VERSION)
		return msim_err(MSIM_EINVAL, "msim_machine_opts: version %u (this "
				"library knows %d); start from MSIM_MACHINE_OPTS_INIT",
				opts->version, MSIM_MACHINE_OPTS_VERSION);
	if (opts->nr_vcpus < 1 || opts->nr_vcpus > MSIM_MAX_VCPUS)
		return msim_err(MSIM_ERANGE, "number of vCPUs %u is outside 1..%d",
				opts->nr_vcpus, MSIM_MAX_VCPUS);
	if (opts->features.maxphyaddr < 32 || opts->features.maxphyaddr > 52)
		return msim_err(MSIM_ERANGE, "MAXPHYADDR %u is outside 32..52",
				opts->features.maxphyaddr);
	m = calloc(1, sizeof(*m));
	if (!m)
		return msim_err(MSIM_ENOMEM, "out of memory");
	m->opts = *opts;
	m->gen = 1; /* vCPUs start with bare_gen 0: no context cached */
	if (opts->kvm && *opts->kvm) {
		msim_kvm_opts ko = MSIM_KVM_OPTS_INIT;

		if ((r = msim_kvm_opts_parse(&ko, opts->kvm))) {
			char msg[300];

			snprintf(msg, sizeof(msg), "%s", msim_last_error());
			free(m);
			return msim_err(r, "KVM policy '%s': %s", opts->kvm, msg);
		}
		m->kvm_opts = ko;
	}
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
	REG(c_cycles_total, "cycles.total", "all cycles.* counters added up");
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
	for (unsigned i = 0; m->vcpus && i < m->nr_vcpus; i++)
		msim_hw_free(m->vcpus[i].hw);
	msim_kvm_free(m->kvm);
	msim_gmem_free(m->host_mem);
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
	uint64_t sum = 0;

	/* derived on demand: the hot paths bump only their own cycles.* */
	for (unsigned i = 0; i < msim_stats_count(m->stats); i++)
		if ((int)i != m->c_cycles_total &&
		    !strncmp(msim_stats_name(m->stats, i), "cycles.", 7))
			sum += msim_stats_value(m->stats, (int)i);
	msim_stats_inc(m->stats, m->c_cycles_total,
		       sum - msim_stats_value(m->stats, m->c_cycles_total));
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
	msim_stats_inc(m->stats, m->c_gp, 1);
	msim_machine_observe(m, v->id, MSIM_EXP_GP, 0, 0, 0);
	if (res) {
		res->gp = true;
		res->gp_why = why;
	}
}

/* The hardware invalidation a register write performs (SDM Vol. 3A
 * 4.10.4.1, "Operations that Invalidate TLBs and Paging-Structure Caches"). */
static const msim_inv_kind reg_inval[] = {
	[MSIM_REG_CR0] = MSIM_INV_MOV_CR0, [MSIM_REG_CR3] = MSIM_INV_MOV_CR3,
	[MSIM_REG_CR4] = MSIM_INV_MOV_CR4, [MSIM_REG_EFER] = MSIM_INV_WRMSR_EFER,
};

static int ev_reg_write(struct msim_machine *m, struct msim_vcpu *v,
			const msim_event *ev, msim_arch_reg reg,
			msim_event_result *res)
{
	msim_arch_result ar;
	uint64_t old = reg == MSIM_REG_CR0 ? v->regs.cr0 :
		       reg == MSIM_REG_CR3 ? v->regs.cr3 :
		       reg == MSIM_REG_CR4 ? v->regs.cr4 : v->regs.efer;
	msim_inv op = { reg_inval[reg], { old, ev->arg[0], 0 } };
	int r = msim_arch_write(&m->opts.features, &v->regs, reg, ev->arg[0],
				m->mem, &ar);

	if (r)
		return r;
	if (ar.gp) {
		note_gp(m, v, res, ar.why);
		return 0;
	}
	if (reg == MSIM_REG_CR3)
		op.a[0] = ev->arg[0]; /* the source operand, bit 63 included */
	/*
	 * Bare metal and TDP guests execute the write in hardware; under
	 * shadow paging it exits and KVM's flush requests do the work.
	 */
	if (!v->kvm || m->tdp)
		msim_machine_arch_inval(m, v, &op);
	if (!v->kvm)
		return 0;
	switch (reg) {
	case MSIM_REG_CR0: msim_kvm_on_cr0(v->kvm, old, ev->arg[0]); break;
	case MSIM_REG_CR3: msim_kvm_on_cr3(v->kvm, old, ev->arg[0]); break;
	case MSIM_REG_CR4: msim_kvm_on_cr4(v->kvm, old, ev->arg[0]); break;
	case MSIM_REG_EFER: msim_kvm_on_efer(v->kvm, old, ev->arg[0]); break;
	}
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
	if (v->kvm) {
		msim_kvm_on_sregs(v->kvm, cr0, n.cr3, cr4, efer);
	} else {
		msim_inv op = { MSIM_INV_ALL, { 0, 0, 0 } };

		msim_machine_arch_inval(m, v, &op);
	}
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
	if (r == MSIM_ERANGE) {
		char why[256]; /* msim_last_error() is the buffer msim_err writes */

		snprintf(why, sizeof(why), "%s", msim_last_error());
		return machine_err(ev, r, why);
	}
	if (!r && m->kvm)
		msim_kvm_on_wrmem(m->kvm, ev->arg[0], size);
	return r;
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
	if (v->kvm)
		msim_kvm_on_smi(v->kvm);
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
	if (v->kvm)
		msim_kvm_on_rsm(v->kvm);
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

static int ev_init(struct msim_machine *m, struct msim_vcpu *v)
{
	msim_inv op = { MSIM_INV_ALL, { 0, 0, 0 } };

	v->regs = init_regs;
	v->smm.active = false;
	v->nested.guest_mode = false;
	if (v->kvm)
		msim_kvm_on_init(v->kvm);
	else
		msim_machine_arch_inval(m, v, &op);
	return 0;
}

/* INVLPG: a no-op on a non-canonical address (SDM Vol. 2A, INVLPG); else
 * the invalidation of SDM Vol. 3A 4.10.4.1. */
static int ev_invlpg(struct msim_machine *m, struct msim_vcpu *v,
		     const msim_event *ev)
{
	msim_inv op = { MSIM_INV_INVLPG, { ev->arg[0], 0, 0 } };

	if (!msim_la_canonical(msim_paging_mode_of(&v->regs), ev->arg[0]))
		return 0;
	if (v->kvm && !m->tdp) /* intercepted under shadow paging */
		msim_kvm_on_invlpg(v->kvm, ev->arg[0]);
	else
		msim_machine_arch_inval(m, v, &op);
	return 0;
}

/* INVPCID: the #GP cases of SDM Vol. 2A INVPCID (descriptor bits 63:12,
 * non-canonical address, PCID != 0 with CR4.PCIDE = 0, type > 3), then the
 * invalidation of SDM Vol. 3A 4.10.4.1. */
static int ev_invpcid(struct msim_machine *m, struct msim_vcpu *v,
		      const msim_event *ev, msim_event_result *res)
{
	uint64_t type = ev->arg[0], pcid = ev->arg[1], la = ev->arg[2];
	bool pcide = v->regs.cr4 & MSIM_CR4_PCIDE;
	msim_inv op = { MSIM_INV_INVPCID, { type, pcid, la } };

	if (!m->opts.features.pcid) {
		note_gp(m, v, res, "INVPCID not supported (#UD)");
		return 0;
	}
	if (type > 3 || pcid > 0xfff ||
	    ((type == 0 || type == 1) && !pcide && pcid != 0) ||
	    (type == 0 && !msim_la_canonical(msim_paging_mode_of(&v->regs), la))) {
		note_gp(m, v, res, "INVPCID operand check");
		return 0;
	}
	if (v->kvm && !m->tdp)
		msim_kvm_on_invpcid(v->kvm, (unsigned)type, pcid, la);
	else
		msim_machine_arch_inval(m, v, &op);
	return 0;
}

static int need_kvm(const msim_event *ev)
{
	return machine_err(ev, MSIM_ENOTSUP,
			   "nested virtualization events need a KVM model "
			   "(run with --kvm POLICY)");
}

/* Nested VM entry: L1's state is saved, L2's loaded from the vmcs12 fields. */
static int ev_vmentry(struct msim_machine *m, struct msim_vcpu *v,
		      const msim_event *ev, msim_event_result *res)
{
	msim_kvm_vmentry e = { ev->arg[0] != 0, ev->arg[1], ev->arg[2] != 0,
			       (uint16_t)ev->arg[3], ev->arg[5], ev->arg[4],
			       ev->arg[6], ev->arg[7] };
	int r;

	if (!v->kvm)
		return need_kvm(ev);
	if (v->nested.guest_mode) {
		note_gp(m, v, res, "VM entry while already in L2");
		return 0;
	}
	if (e.vpid_en && e.vpid == 0) {
		/* SDM: VM entry with enable-VPID=1 and VPID 0 fails */
		note_gp(m, v, res, "VM entry with VPID 0 (VMfail)");
		return 0;
	}
	v->nested.l1 = v->regs;
	v->nested.guest_mode = true;
	v->regs.cr0 = e.cr0;
	v->regs.cr3 = e.cr3;
	v->regs.cr4 = e.cr4;
	v->regs.efer = e.efer;
	if (msim_paging_mode_of(&v->regs) == MSIM_PAGING_PAE) {
		/*
		 * SDM 26.3.2.4: a PAE L2 gets its PDPTEs at VM entry, from CR3
		 * (EPT off) or from the vmcs12 PDPTE fields, which L1 fills
		 * from the same table (L2 gpas are L1 gpas in this model).
		 */
		bool gp = false;

		if ((r = msim_pae_load_pdptes(&m->opts.features, m->mem, e.cr3,
					      v->regs.pdpte, &gp)))
			return r;
		if (gp) {
			v->regs = v->nested.l1;
			v->nested.guest_mode = false;
			note_gp(m, v, res, "VM entry: L2 PDPTEs have reserved bits (VMfail)");
			return 0;
		}
	}
	msim_kvm_on_vmentry(v->kvm, &e);
	return 0;
}

static int ev_vmexit(struct msim_machine *m, struct msim_vcpu *v,
		     const msim_event *ev, msim_event_result *res)
{
	uint64_t host_cr3;

	if (!v->kvm)
		return need_kvm(ev);
	if (!v->nested.guest_mode) {
		note_gp(m, v, res, "VM exit while not in L2");
		return 0;
	}
	host_cr3 = (ev->present & 1) ? ev->arg[0] : v->nested.l1.cr3;
	v->regs = v->nested.l1;
	v->regs.cr3 = host_cr3;
	v->nested.guest_mode = false;
	msim_kvm_on_vmexit(v->kvm, host_cr3);
	return 0;
}

/* L1's INVEPT / INVVPID, with their VMfail operand checks (SDM Vol. 3C,
 * INVEPT and INVVPID instruction pages; scope per SDM Vol. 3C 28.3.3.1). */
static int ev_invept(struct msim_machine *m, struct msim_vcpu *v,
		     const msim_event *ev, msim_event_result *res)
{
	if (!v->kvm)
		return need_kvm(ev);
	if (ev->arg[0] != 1 && ev->arg[0] != 2) {
		note_gp(m, v, res, "INVEPT type not 1 or 2 (VMfail)");
		return 0;
	}
	msim_kvm_on_invept(v->kvm, (unsigned)ev->arg[0], ev->arg[1]);
	return 0;
}

static int ev_invvpid(struct msim_machine *m, struct msim_vcpu *v,
		      const msim_event *ev, msim_event_result *res)
{
	uint64_t type = ev->arg[0], vpid = ev->arg[1];

	if (!v->kvm)
		return need_kvm(ev);
	if (type > 3 || vpid > 0xffff || (vpid == 0 && type != 2) ||
	    (type == 0 && !msim_la_canonical(MSIM_PAGING_4, ev->arg[2]))) {
		note_gp(m, v, res, "INVVPID operand check (VMfail)");
		return 0;
	}
	msim_kvm_on_invvpid(v->kvm, (unsigned)type, (uint16_t)vpid, ev->arg[2]);
	return 0;
}

int msim_machine_events(msim_machine *m, const msim_event *ev, size_t n,
			size_t *done)
{
	size_t i = 0;
	int r = 0;

	if (!m || (n && !ev))
		r = msim_err(MSIM_EINVAL, "msim_machine_events: NULL argument");
	while (!r && i < n) {
		size_t k = ev[i].type == MSIM_EV_ACCESS
				   ? msim_machine_access_run(m, &ev[i], n - i)
				   : 0;

		if (k)
			i += k;
		else if (!(r = msim_machine_event(m, &ev[i], NULL)))
			i++;
	}
	if (done)
		*done = i;
	return r;
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
	msim_stats_inc(m->stats, m->c_events[ev->type], 1);
	if (ev->type != MSIM_EV_ACCESS && ev->type != MSIM_EV_EXPECT &&
	    ev->type != MSIM_EV_MARK && ev->type != MSIM_EV_UNTRACKED)
		m->gen++;
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
		return msim_machine_access(m, v, ev, res);
	case MSIM_EV_SMI:
		return ev_smi(m, v, ev);
	case MSIM_EV_RSM:
		return ev_rsm(m, v, ev, res);
	case MSIM_EV_INIT:
		return ev_init(m, v);
	case MSIM_EV_PKRU:
	case MSIM_EV_PKRS:
		return ev_pkr(v, ev);
	case MSIM_EV_EXPECT:
		msim_stats_inc(m->stats, m->c_expect, 1);
		return 0;
	case MSIM_EV_MARK:
	case MSIM_EV_UNTRACKED: /* validation metadata, no state */
		return 0;
	case MSIM_EV_INVLPG:
		return ev_invlpg(m, v, ev);
	case MSIM_EV_INVPCID:
		return ev_invpcid(m, v, ev, res);
	case MSIM_EV_CPUID:
		if (v->kvm)
			msim_kvm_on_cpuid(v->kvm);
		return 0;
	case MSIM_EV_MEMSLOT:
		if (m->kvm)
			msim_kvm_on_memslot(m->kvm, (unsigned)ev->arg[0], ev->arg[1],
					    ev->arg[2]);
		return 0;
	case MSIM_EV_INVEPT:
		return ev_invept(m, v, ev, res);
	case MSIM_EV_INVVPID:
		return ev_invvpid(m, v, ev, res);
	case MSIM_EV_VMENTRY:
		return ev_vmentry(m, v, ev, res);
	case MSIM_EV_VMEXIT:
		return ev_vmexit(m, v, ev, res);
	case MSIM_EV_MACHINE:
	case MSIM_EV_NONE:
	case MSIM_EV_COUNT_:
		break;
	}
	return msim_err(MSIM_EINVAL, "unknown event type %u", ev->type);
}
