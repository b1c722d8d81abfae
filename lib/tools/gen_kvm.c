/*
 * Workload generators for the KVM MMU model: CR-write-heavy and
 * root-switching guest behaviours, as the KVM threads behind each figure
 * describe them (bench/README.md names them). Each trace is
 * self-contained: it sets the vCPU up with sregs, writes its page tables
 * with wrmem events, then runs the behaviour. Same params + seed -> same
 * trace (msim_rng_next only).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "tools/gen_internal.h"
#include "base/internal.h"
#include "mmu_sim/gmem.h"
#include "mmu_sim/ept.h"

#define PT_POOL 0x100000ULL     /* page tables from 1 MiB up */
#define DATA_BASE 0x4000000ULL  /* data frames from 64 MiB up */
#define KERNEL_GVA 0xffff800000000000ULL
#define USER_GVA 0x400000ULL
#define CR0_LONG 0x80050033ULL  /* PG|AM|WP|NE|ET|MP|PE */
#define CR4_BASE (MSIM_CR4_PAE | MSIM_CR4_PGE)
#define EFER_LONG (MSIM_EFER_LME | MSIM_EFER_LMA | MSIM_EFER_NXE)
#define PTE_KERN (MSIM_PTE_P | MSIM_PTE_RW)
#define PTE_USER (MSIM_PTE_P | MSIM_PTE_RW | MSIM_PTE_US)

struct gk {
	msim_trace_writer *w;
	msim_gmem *mem; /* mirror of what the trace wrote */
	uint64_t next_pt, next_data, rng;
	unsigned vcpu;
	int rc;
};

static void ev(struct gk *g, unsigned type, unsigned n, const uint64_t *a)
{
	msim_event e;

	if (g->rc)
		return;
	const msim_event_spec *spec = msim_event_spec_get(type);

	memset(&e, 0, sizeof(e));
	e.type = (uint16_t)type;
	e.vcpu = g->vcpu;
	for (unsigned i = 0; i < spec->nargs; i++)
		e.arg[i] = spec->args[i].def; /* absent args take defaults */
	for (unsigned i = 0; i < n; i++) {
		e.arg[i] = a[i];
		e.present |= (uint16_t)(1u << i);
	}
	g->rc = msim_trace_write(g->w, &e);
}

static void ev1(struct gk *g, unsigned type, uint64_t a)
{
	ev(g, type, 1, &a);
}

static void wrmem(struct gk *g, uint64_t gpa, uint64_t val)
{
	uint64_t a[2] = { gpa, val };

	ev(g, MSIM_EV_WRMEM, 2, a);
	if (!g->rc)
		g->rc = msim_gmem_write(g->mem, gpa, 8, val);
}

static void access(struct gk *g, unsigned type, uint64_t gva, unsigned cpl)
{
	uint64_t a[3] = { type, gva, cpl };

	ev(g, MSIM_EV_ACCESS, cpl ? 3 : 2, a);
}

static uint64_t new_table(struct gk *g)
{
	uint64_t t = g->next_pt;

	g->next_pt += 4096;
	return t;
}

/* Map one 4 KiB page in the 4-level tree at root (tables on demand). */
static void map4k(struct gk *g, uint64_t root, uint64_t gva, uint64_t gpa,
		  uint64_t flags)
{
	uint64_t table = root;

	for (unsigned level = 4; level > 1; level--) {
		uint64_t slot = table + 8 * ((gva >> (12 + 9 * (level - 1))) & 511);
		uint64_t e = msim_gmem_read64(g->mem, slot);

		if (!(e & MSIM_PTE_P)) {
			e = new_table(g) | PTE_USER;
			wrmem(g, slot, e);
		}
		table = e & MSIM_GENMASK(51, 12);
	}
	wrmem(g, table + 8 * ((gva >> 12) & 511), gpa | flags);
}

/* Point root's PML4 slot for gva at the same PDPT as src's (shared half). */
static void share_pml4e(struct gk *g, uint64_t root, uint64_t src, uint64_t gva)
{
	uint64_t off = 8 * ((gva >> 39) & 511);

	wrmem(g, root + off, msim_gmem_read64(g->mem, src + off));
}

static uint64_t data_page(struct gk *g)
{
	uint64_t p = g->next_data;

	g->next_data += 4096;
	return p;
}

static int gk_begin(struct gk *g, msim_trace_writer *w, const msim_gen_opts *o,
		    unsigned vcpus, const char *comment)
{
	uint64_t a[4] = { vcpus, 46, MSIM_VENDOR_INTEL, UINT64_MAX };

	memset(g, 0, sizeof(*g));
	g->w = w;
	g->next_pt = PT_POOL;
	g->next_data = DATA_BASE;
	g->rng = o->seed;
	g->rc = msim_gmem_create(&g->mem, NULL);
	if (g->rc)
		return g->rc;
	g->rc = msim_trace_write_comment(w, comment);
	ev(g, MSIM_EV_MACHINE, 4, a);
	return g->rc;
}

static int gk_end(struct gk *g)
{
	msim_gmem_free(g->mem);
	return g->rc;
}

static void sregs_long(struct gk *g, uint64_t cr3, uint64_t cr4)
{
	uint64_t a[4] = { CR0_LONG, cr3, cr4, EFER_LONG };

	ev(g, MSIM_EV_SREGS, 4, a);
}

static uint64_t rnd(struct gk *g, uint64_t n)
{
	return n ? msim_rng_next(&g->rng) % n : 0;
}

/* ------------------------------------------------------------ wp-storm */

static const char *const wp_keys[] = { "toggles", "ws", "writes", "reads",
				       "rate", NULL };

/*
 * grsecurity/PaX KERNEXEC-style W^X: kernel data is mapped read-only and
 * pax_open_kernel()/pax_close_kernel() clear and set CR0.WP around each
 * legitimate write. Every toggle is a CR0 write that KVM intercepts unless
 * WP is guest-owned (>= 6.4, VMX+EPT). C1-C3 measured this (ssdd runs).
 */
static int gen_wp_storm(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t toggles = 10000, ws = 64, writes = 2, reads = 16;
	struct gk g;
	uint64_t root;

	if (msim_param_check_keys(o->params, wp_keys) ||
	    msim_param_u64(o->params, "toggles", 100000000, &toggles) ||
	    msim_param_u64(o->params, "ws", 65536, &ws) ||
	    msim_param_u64(o->params, "writes", 1024, &writes) ||
	    msim_param_u64(o->params, "reads", 1024, &reads) ||
	    msim_param_u64(o->params, "rate", 1024, &reads))
		return MSIM_EINVAL;
	if (!ws)
		return msim_err(MSIM_EINVAL, "parameter ws must be >= 1");
	if (gk_begin(&g, w, o, 1, " wp-storm: CR0.WP toggles around kernel writes"))
		return gk_end(&g);
	root = new_table(&g);
	for (uint64_t i = 0; i < ws; i++)
		map4k(&g, root, KERNEL_GVA + i * 4096, data_page(&g), MSIM_PTE_P);
	sregs_long(&g, root, CR4_BASE);
	for (uint64_t t = 0; t < toggles && !g.rc; t++) {
		ev1(&g, MSIM_EV_CR0, CR0_LONG & ~MSIM_CR0_WP); /* open kernel */
		for (uint64_t i = 0; i < writes; i++)
			access(&g, MSIM_ACC_WRITE, KERNEL_GVA + rnd(&g, ws) * 4096, 0);
		ev1(&g, MSIM_EV_CR0, CR0_LONG);                /* close kernel */
		for (uint64_t i = 0; i < reads; i++)
			access(&g, MSIM_ACC_READ, KERNEL_GVA + rnd(&g, ws) * 4096, 0);
	}
	return gk_end(&g);
}

/* ------------------------------------------------------------ procs */

static const char *const procs_keys[] = { "procs", "pti", "pcid", "switches",
					  "ws", NULL };

/*
 * N processes scheduled round-robin. Each has its own PML4 sharing the
 * kernel half; with pti=1 each has a user and a kernel PML4 (KPTI), so a
 * switch is kernel CR3 -> work -> user CR3. With pcid=1 CR3 carries the
 * process's PCID and bit 63 (no flush), as Linux does once an ASID is
 * live. Models C6 (lmbench ctxsw under shadow paging + PTI) and E2.
 */
static int gen_procs(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t procs = 5, pti = 0, pcid = 0, switches = 10000, ws = 8;

	if (msim_param_check_keys(o->params, procs_keys) ||
	    msim_param_u64(o->params, "procs", 64, &procs) ||
	    msim_param_u64(o->params, "pti", 1, &pti) ||
	    msim_param_u64(o->params, "pcid", 1, &pcid) ||
	    msim_param_u64(o->params, "switches", 100000000, &switches) ||
	    msim_param_u64(o->params, "ws", 4096, &ws))
		return MSIM_EINVAL;
	if (!procs)
		return msim_err(MSIM_EINVAL, "parameter procs must be >= 1");
	struct msim_gen_procs_cfg c = {
		.procs = (unsigned)procs, .pti = pti, .pcid = pcid,
		.ws = (unsigned)ws, .kws = 1, .switches = switches,
	};

	return msim_gen_procs_run(w, o->seed, " procs: round-robin CR3 switches", &c);
}

int msim_gen_procs_run(msim_trace_writer *w, uint64_t seed, const char *title,
		       const struct msim_gen_procs_cfg *c)
{
	const unsigned procs = c->procs, ws = c->ws, kws = c->kws ? c->kws : 1;
	const bool pti = c->pti, pcid = c->pcid;
	const uint32_t *seq = c->seq;
	const uint64_t switches = c->switches;
	msim_gen_opts o = MSIM_GEN_OPTS_INIT;
	uint64_t *kroot, *uroot, kdata;
	bool *seen;
	struct gk g;

	if (!procs || procs > MSIM_GEN_PROCS_MAX)
		return msim_err(MSIM_ERANGE, "%u processes (1..%d)", procs,
				MSIM_GEN_PROCS_MAX);
	kroot = calloc(procs, sizeof(*kroot));
	uroot = calloc(procs, sizeof(*uroot));
	seen = calloc(procs, sizeof(*seen));
	if (!kroot || !uroot || !seen) {
		free(kroot);
		free(uroot);
		free(seen);
		return msim_err(MSIM_ENOMEM, "out of memory (%u processes)", procs);
	}
	o.seed = seed;
	if (gk_begin(&g, w, &o, 1, title))
		goto out;
	kroot[0] = new_table(&g);
	kdata = data_page(&g);
	map4k(&g, kroot[0], KERNEL_GVA, kdata, PTE_KERN);
	for (uint64_t i = 1; i < kws; i++)
		map4k(&g, kroot[0], KERNEL_GVA + i * 4096, data_page(&g), PTE_KERN);
	for (uint64_t p = 0; p < procs; p++) {
		if (p)
			kroot[p] = new_table(&g);
		share_pml4e(&g, kroot[p], kroot[0], KERNEL_GVA);
		uroot[p] = kroot[p];
		if (pti) {
			uroot[p] = new_table(&g);
			/* the user PML4 maps only a trampoline of the kernel */
			map4k(&g, uroot[p], KERNEL_GVA + 0x200000, kdata, PTE_KERN);
		}
		for (uint64_t i = 0; i < ws; i++) {
			uint64_t d = data_page(&g);

			map4k(&g, kroot[p], USER_GVA + i * 4096, d, PTE_USER);
			if (pti)
				map4k(&g, uroot[p], USER_GVA + i * 4096, d, PTE_USER);
		}
	}
	/* a ring starts with process 0 in user mode: its user CR3 */
	sregs_long(&g, c->syscall_entry && pti ? uroot[0] : kroot[0],
		   CR4_BASE | (pcid ? MSIM_CR4_PCIDE : 0));
	seen[0] = c->syscall_entry; /* the first process runs from the start */
	for (uint64_t s = 0, cur = 0; s < switches && !g.rc; s++) {
		uint64_t p = seq ? seq[s] : (s + 1) % procs;
		/* no-flush once the process's PCID is live, as Linux's
		 * switch_mm_irqs_off() does for an ASID it already used */
		uint64_t tag = pcid ? ((p + 1) | (seen[p] ? 1ULL << 63 : 0)) : 0;

		if (c->syscall_entry) {
			/* the running process enters the kernel (a pipe write):
			 * under PTI the entry code loads its kernel CR3 */
			if (pti)
				ev1(&g, MSIM_EV_CR3, kroot[cur] |
				    (pcid ? (cur + 1) | 1ULL << 63 : 0));
			for (uint64_t i = 0; i < kws / 2; i++)
				access(&g, i & 1 ? MSIM_ACC_WRITE : MSIM_ACC_READ,
				       KERNEL_GVA + i * 4096, 0);
		}
		seen[p] = true;
		ev1(&g, MSIM_EV_CR3, kroot[p] | tag);
		cur = p;
		if (c->syscall_entry)
			for (uint64_t i = kws / 2; i < kws; i++)
				access(&g, MSIM_ACC_READ, KERNEL_GVA + i * 4096, 0);
		else
			access(&g, MSIM_ACC_READ, KERNEL_GVA, 0);
		if (pti) {
			/* user PCID = kernel PCID | 0x800, as Linux's PTI does */
			uint64_t utag = pcid ? (tag | 0x800) : 0;

			ev1(&g, MSIM_EV_CR3, uroot[p] | utag);
		}
		for (uint64_t i = 0; i < ws; i++)
			access(&g, MSIM_ACC_READ, USER_GVA + i * 4096, 3);
	}
out:
	free(kroot);
	free(uroot);
	free(seen);
	return gk_end(&g);
}

/* ------------------------------------------------------------ smm */

static const char *const smm_keys[] = { "rounds", "accesses", NULL };

/*
 * SMI/RSM round trips (e.g. firmware handling UEFI variable services via
 * SMM on OVMF): each SMI enters a real-mode-like SMM state, the handler
 * touches SMRAM with paging off, RSM restores 64-bit paging (E4).
 */
static int gen_smm(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t rounds = 1000, acc = 8, root;
	struct gk g;

	if (msim_param_check_keys(o->params, smm_keys) ||
	    msim_param_u64(o->params, "rounds", 100000000, &rounds) ||
	    msim_param_u64(o->params, "accesses", 4096, &acc))
		return MSIM_EINVAL;
	if (gk_begin(&g, w, o, 1, " smm: SMI/RSM round trips"))
		return gk_end(&g);
	root = new_table(&g);
	for (uint64_t i = 0; i < 16; i++)
		map4k(&g, root, KERNEL_GVA + i * 4096, data_page(&g), PTE_KERN);
	sregs_long(&g, root, CR4_BASE);
	for (uint64_t r = 0; r < rounds && !g.rc; r++) {
		for (uint64_t i = 0; i < acc; i++)
			access(&g, MSIM_ACC_READ, KERNEL_GVA + rnd(&g, 16) * 4096, 0);
		ev(&g, MSIM_EV_SMI, 0, NULL);
		for (uint64_t i = 0; i < acc; i++) /* SMRAM at 0x30000 */
			access(&g, MSIM_ACC_WRITE, 0x30000 + rnd(&g, 16) * 4096, 0);
		ev(&g, MSIM_EV_RSM, 0, NULL);
	}
	return gk_end(&g);
}

/* ------------------------------------------------------------ nested */

static const char *const nested_keys[] = { "rounds", "l2procs", "ept", "vpid",
					   "accesses", NULL };

/*
 * An L1 hypervisor running L2: each round is VM entry into L2 (possibly a
 * different L2 process's CR3), L2 accesses, VM exit, L1 accesses (E3).
 * With ept=1 L1 gives L2 an identity EPT12 of 1-GiB pages.
 */
static int gen_nested(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t rounds = 1000, l2procs = 2, ept = 1, vpid = 1, acc = 8;
	uint64_t l1root, l2root[16], eptp = 0;
	struct gk g;

	if (msim_param_check_keys(o->params, nested_keys) ||
	    msim_param_u64(o->params, "rounds", 100000000, &rounds) ||
	    msim_param_u64(o->params, "l2procs", 16, &l2procs) ||
	    msim_param_u64(o->params, "ept", 1, &ept) ||
	    msim_param_u64(o->params, "vpid", 1, &vpid) ||
	    msim_param_u64(o->params, "accesses", 4096, &acc))
		return MSIM_EINVAL;
	if (!l2procs)
		return msim_err(MSIM_EINVAL, "parameter l2procs must be >= 1");
	if (gk_begin(&g, w, o, 1, " nested: L1/L2 entry/exit loop"))
		return gk_end(&g);
	l1root = new_table(&g);
	for (uint64_t i = 0; i < 8; i++)
		map4k(&g, l1root, KERNEL_GVA + i * 4096, data_page(&g), PTE_KERN);
	for (uint64_t p = 0; p < l2procs; p++) {
		l2root[p] = new_table(&g);
		for (uint64_t i = 0; i < 8; i++)
			map4k(&g, l2root[p], USER_GVA + i * 4096, data_page(&g),
			      PTE_USER);
	}
	if (ept) {
		uint64_t pml4 = new_table(&g), pdpt = new_table(&g);

		wrmem(&g, pml4, pdpt | 7);
		for (uint64_t i = 0; i < 4; i++) /* RWX, WB, 1 GiB */
			wrmem(&g, pdpt + 8 * i, (i << 30) | 7 | (6 << 3) | (1 << 7));
		eptp = pml4 | MSIM_EPTP_MT_WB | MSIM_EPTP_LEVELS(4);
	}
	sregs_long(&g, l1root, CR4_BASE);
	for (uint64_t r = 0, cur = 0; r < rounds && !g.rc; r++) {
		/* VM entry loads vmcs12's GUEST_CR3: the L2 CR3 of the last exit */
		uint64_t a[8] = { ept, eptp, vpid, vpid ? 5 : 0, l2root[cur],
				  CR0_LONG, CR4_BASE, EFER_LONG };

		ev(&g, MSIM_EV_VMENTRY, 8, a);
		/* L2's own scheduler switches processes with its own MOV CR3
		 * (which flushes L2's non-global translations: no PCID) */
		if (r % l2procs != cur) {
			cur = r % l2procs;
			ev1(&g, MSIM_EV_CR3, l2root[cur]);
		}
		for (uint64_t i = 0; i < acc; i++)
			access(&g, MSIM_ACC_READ, USER_GVA + rnd(&g, 8) * 4096, 3);
		ev1(&g, MSIM_EV_VMEXIT, l1root);
		for (uint64_t i = 0; i < acc; i++)
			access(&g, MSIM_ACC_READ, KERNEL_GVA + rnd(&g, 8) * 4096, 0);
	}
	return gk_end(&g);
}

/* ------------------------------------------------------------ memslot */

static const char *const memslot_keys[] = { "rounds", "ws", NULL };

/*
 * A VMM that keeps moving one memslot (e.g. QEMU remapping a PCI BAR or
 * VGA window): each move is kvm_mmu_zap_all_fast, obsolete roots, and a
 * refault of the guest's working set: a memslot move or delete ends in
 * kvm_arch_flush_shadow_memslot() -> kvm_mmu_zap_all_fast(), which makes
 * every root obsolete (arch/x86/kvm/mmu/mmu.c).
 */
static int gen_memslot(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t rounds = 100, ws = 32, root;
	struct gk g;

	if (msim_param_check_keys(o->params, memslot_keys) ||
	    msim_param_u64(o->params, "rounds", 100000000, &rounds) ||
	    msim_param_u64(o->params, "ws", 65536, &ws))
		return MSIM_EINVAL;
	if (gk_begin(&g, w, o, 1, " memslot: BAR remaps zap all roots"))
		return gk_end(&g);
	{
		uint64_t a[3] = { 0, 0, 0x40000 }; /* 1 GiB of RAM */

		ev(&g, MSIM_EV_MEMSLOT, 3, a);
	}
	root = new_table(&g);
	for (uint64_t i = 0; i < ws; i++)
		map4k(&g, root, KERNEL_GVA + i * 4096, data_page(&g), PTE_KERN);
	sregs_long(&g, root, CR4_BASE);
	for (uint64_t r = 0; r < rounds && !g.rc; r++) {
		uint64_t a[3] = { 2, 0xfd000 + (r & 1) * 0x100, 0x100 };

		for (uint64_t i = 0; i < ws; i++)
			access(&g, MSIM_ACC_READ, KERNEL_GVA + i * 4096, 0);
		ev(&g, MSIM_EV_MEMSLOT, 3, a);
	}
	return gk_end(&g);
}

/* ------------------------------------------------------------ latctx */

static const char *const latctx_keys[] = { "procs", "hops", "pti", "pcid",
					   "kws", "uws", NULL };

/*
 * lmbench's lat_ctx: a token passed through pipes around a ring of N
 * processes, each summing SIZE bytes of its own before passing it on.
 * A hop is the running process's write() (kernel entry: under PTI its
 * kernel CR3), pipe and wake-up work in the kernel, the switch to the next
 * process's mm (switch_mm_irqs_off: MOV CR3), the rest of its read() and
 * the return to user mode (PTI: its user CR3), then uws user reads. kws
 * kernel pages are touched per hop, half on each side of the switch.
 */
static int gen_latctx(const msim_gen_opts *o, msim_trace_writer *w)
{
	uint64_t procs = 2, hops = 10000, pti = 1, pcid = 0, kws = 8, uws = 4;

	if (msim_param_check_keys(o->params, latctx_keys) ||
	    msim_param_u64(o->params, "procs", MSIM_GEN_PROCS_MAX, &procs) ||
	    msim_param_u64(o->params, "hops", 100000000, &hops) ||
	    msim_param_u64(o->params, "pti", 1, &pti) ||
	    msim_param_u64(o->params, "pcid", 1, &pcid) ||
	    msim_param_u64(o->params, "kws", 512, &kws) ||
	    msim_param_u64(o->params, "uws", 4096, &uws))
		return MSIM_EINVAL;
	if (procs < 2)
		return msim_err(MSIM_EINVAL, "parameter procs must be >= 2 (a ring)");
	if (kws < 2)
		return msim_err(MSIM_EINVAL, "parameter kws must be >= 2 (both sides "
				"of the switch touch the kernel)");
	struct msim_gen_procs_cfg c = {
		.procs = (unsigned)procs, .pti = pti, .pcid = pcid,
		.ws = (unsigned)uws, .kws = (unsigned)kws, .syscall_entry = true,
		.switches = hops,
	};
	return msim_gen_procs_run(w, o->seed, " latctx: lat_ctx-like pipe ring", &c);
}

const struct msim_gen_workload msim_gen_kvm_workloads[] = {
	{ "wp-storm", "grsecurity-style CR0.WP toggling around kernel writes.\n"
	  "  toggles=10000 ws=64 (pages) writes=2 (per open/close window)\n"
	  "  reads=16 (accesses between windows; rate= is the same knob)",
	  gen_wp_storm },
	{ "procs", "round-robin process switches (MOV CR3).\n"
	  "  procs=5 pti=0 pcid=0 switches=10000 ws=8 (pages per process)",
	  gen_procs },
	{ "smm", "SMI/RSM round trips from a 64-bit guest.\n"
	  "  rounds=1000 accesses=8", gen_smm },
	{ "nested", "L1/L2 entry/exit loop with L2 process switching.\n"
	  "  rounds=1000 l2procs=2 ept=1 vpid=1 accesses=8", gen_nested },
	{ "latctx", "lmbench lat_ctx-like token ring over pipes (syscalls, PTI).\n"
	  "  procs=2 hops=10000 pti=1 pcid=0 kws=8 (kernel pages per hop)\n"
	  "  uws=4 (user pages each process reads per hop)", gen_latctx },
	{ "memslot", "memslot moves (zap all fast) between working-set sweeps.\n"
	  "  rounds=100 ws=32", gen_memslot },
	{ NULL, NULL, NULL },
};
