/*
 * Integration of the KVM MMU model with the machine (internal).
 *
 * The machine owns the architectural state and checks (#GP etc.). After an
 * event has been accepted architecturally it calls the matching hook here,
 * which models what KVM does for it: one VM exit, the handler (resets, root
 * switches, requests) and the next VM entry (requests serviced, vcpu_enter_guest(),
 * kvm_mmu_reload). Events KVM never sees (MOV CR3 under TDP, a CR0.WP
 * toggle with guest-owned WP, ...) return without charging an exit.
 *
 * The model talks back through msim_kvm_env: `tlb` receives the hardware
 * invalidations KVM executes (INVEPT / INVVPID / ASID flush) so the machine
 * applies them to its TLB model (tlb.h), and `observe` receives what KVM
 * did (root created/found/cached, shadow page created/found, zap, flush,
 * sync, unsync) for `mmu-sim validate` (MSIM_EXP_* kinds of event.h).
 *
 * Page tables KVM builds are kept as a per-root presence model (shadow
 * pages with child links and leaf-SPTE bitmaps; a gfn set per TDP root).
 * Under TDP the EPT/NPT tables are in addition materialised in a host
 * msim_gmem (msim_kvm_host_mem, msim_kvm_nested_cfg) so the hardware
 * model can walk them in 2D; shadow page tables are not materialised (the
 * hardware may walk the guest's own tables: a present shadow path
 * translates exactly like the guest walk).
 *
 * Event -> hook (after the machine's architectural checks passed):
 *   cr0/cr3/cr4/efer   msim_kvm_on_cr0/3/4/efer(v, old, new)  (cr3: the
 *                      operand, bit 63 included; efer: LMA is re-derived)
 *   sregs              msim_kvm_on_sregs, then msim_kvm_before_entry
 *   smi / rsm / init   msim_kvm_on_smi / on_rsm / on_init (the model
 *                      computes the SMM / INIT register state itself)
 *   cpuid              msim_kvm_on_cpuid
 *   memslot            msim_kvm_on_memslot(kvm, op, gfn, npages)
 *   wrmem              msim_kvm_on_wrmem(kvm, gpa, size) after the write
 *   access             msim_kvm_access(v, gva, wacc, &guest_walk, &res);
 *                      then TLB lookups use msim_kvm_get_tags()
 *   invlpg / invpcid   msim_kvm_on_invlpg / on_invpcid
 *   invept / invvpid   msim_kvm_on_invept / on_invvpid
 *   vmentry / vmexit   msim_kvm_on_vmentry(v, &fields) / on_vmexit(v, cr3)
 *                      (SVM: fields.ept = L1 uses NPT, fields.eptp = nCR3)
 * Before a vCPU's first access call msim_kvm_before_entry(v) once (the
 * access hook also does it whenever requests are pending).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_KVM_HOOKS_H
#define MSIM_KVM_HOOKS_H

#include "kvm/kvm_names.h"
#include "mmu_sim/ept.h"
#include "mmu_sim/event.h"
#include "mmu_sim/gmem.h"
#include "mmu_sim/kvm.h"
#include "mmu_sim/stats.h"
#include "mmu_sim/walk.h"

typedef struct msim_kvm msim_kvm;
typedef struct msim_kvm_vcpu msim_kvm_vcpu;

/*
 * Cycle prices of KVM's actions, charged into "cycles.<cause>" counters.
 * msim_kvm_costs_from() fills them from cost.h's named parameters
 * (virt.vmexit, kvm.*, invept/invvpid); MSIM_KVM_COSTS_INIT are defaults.
 */
typedef struct msim_kvm_costs {
	uint64_t vmexit;      /* exit + entry round trip (SplitX (Landau et al.): ~2000, the LKML SVM vmsave/vmload thread (Dec 2020): ~1350) */
	uint64_t reset;       /* kvm_init_mmu: role calc + permission tables */
	uint64_t root_alloc;  /* mmu_alloc_root / tdp alloc_root, per root */
	uint64_t root_load;   /* kvm_mmu_load (lock, topup, alloc_roots, pgd) */
	uint64_t root_free;   /* kvm_mmu_free_roots that drops something */
	uint64_t sp_alloc;    /* kvm_mmu_alloc_shadow_page */
	uint64_t hash_lookup; /* find_shadow_page / TDP root list scan */
	uint64_t spte_set;    /* install one SPTE */
	uint64_t write_protect; /* account_shadowed: write-protect a gfn */
	uint64_t zap_spte;    /* per SPTE zapped (teardown, zap) */
	uint64_t sync_page;   /* kvm_sync_page per unsync page */
	uint64_t sync_roots;  /* kvm_mmu_sync_roots walk, per call */
	uint64_t flush_current, flush_guest, flush_all, flush_remote; /* KVM side */
	uint64_t invept_single, invept_all;               /* instructions */
	uint64_t invvpid_single, invvpid_addr, invvpid_all;
	uint64_t shadow_fault;/* shadow #PF handling (guest walk + set SPTE) */
	uint64_t tdp_fault;   /* EPT violation handling (map one gfn) */
	uint64_t emulate;     /* emulating a write to a write-protected table */
} msim_kvm_costs;

/*
 * Defaults. SplitX (Landau et al.)/the LKML SVM vmsave/vmload thread (Dec 2020) give ~2000 cycles for a VM exit+entry; no published number (alloc/zap,
 * INVEPT latency) has no public number: these are placeholders to tune.
 */
#define MSIM_KVM_COSTS_INIT                                                    \
	{ .vmexit = 2000, .reset = 300, .root_alloc = 400, .root_load = 1000,  \
	  .root_free = 600, .sp_alloc = 300,                                   \
	  .hash_lookup = 40, .spte_set = 20, .write_protect = 100,             \
	  .zap_spte = 15, .sync_page = 600, .sync_roots = 100,                 \
	  .flush_current = 50, .flush_guest = 50, .flush_all = 50,             \
	  .flush_remote = 300, .invept_single = 200, .invept_all = 400,        \
	  .invvpid_single = 150, .invvpid_addr = 100, .invvpid_all = 300,      \
	  .shadow_fault = 1500, .tdp_fault = 1000, .emulate = 3000 }

struct msim_cost_params;
/* Fill *out from the cost model's named parameters (cost.h). */
void msim_kvm_costs_from(const struct msim_cost_params *p, msim_kvm_costs *out);

/* Hardware invalidation KVM executes (kvm_vcpu_flush_tlb_current(), svm_flush_tlb_current()). */
typedef enum msim_kvm_tlb_op {
	MSIM_KVM_TLB_INVEPT_SINGLE = 0, /* eptp */
	MSIM_KVM_TLB_INVEPT_ALL = 1,
	MSIM_KVM_TLB_INVVPID_SINGLE = 2,/* vpid (0: no VPID, entry flushes) */
	MSIM_KVM_TLB_INVVPID_ADDR = 3,  /* vpid, gva */
	MSIM_KVM_TLB_INVVPID_ALL = 4,
	MSIM_KVM_TLB_ASID = 5,          /* SVM: flush the current ASID */
	MSIM_KVM_TLB_ASID_ALL = 6,      /* SVM: flush every ASID of the vCPU */
} msim_kvm_tlb_op;

typedef struct msim_kvm_tlb_req {
	msim_kvm_tlb_op op;
	uint64_t eptp; /* INVEPT single: EPTP of the root (fake hpa + flags) */
	uint16_t vpid;
	uint64_t gva;
} msim_kvm_tlb_req;

/* What the model did; kind is an msim_expect_kind (ROOT..UNSYNC). */
typedef struct msim_kvm_obs {
	unsigned kind;
	unsigned how;  /* ROOT: 0 created 1 found 2 cached; SP: 0/1; FLUSH: kind */
	uint64_t gfn;
	uint32_t role;
} msim_kvm_obs;

/* Flush kinds of MSIM_EXP_FLUSH (event.c flush_syms order). */
enum { MSIM_KVM_FLUSH_CURRENT = 0, MSIM_KVM_FLUSH_GUEST = 1,
       MSIM_KVM_FLUSH_ALL = 2, MSIM_KVM_FLUSH_REMOTE = 3,
       MSIM_KVM_FLUSH_GVA = 4 };

typedef struct msim_kvm_env {
	void *ctx;
	void (*tlb)(void *ctx, unsigned vcpu, const msim_kvm_tlb_req *r);
	void (*observe)(void *ctx, unsigned vcpu, const msim_kvm_obs *o);
} msim_kvm_env;

/*
 * Create the model of one VM with nr_vcpus vCPUs in reset state (paging
 * off). stats (may be NULL) gets "kvm.*" and "cycles.*" counters; cost and
 * env may be NULL (defaults / no callbacks); guest_mem is the guest's
 * physical memory (read for PAE PDPTEs and guest walks when the machine
 * passes none).
 */
int msim_kvm_create(msim_kvm **out, const msim_kvm_opts *o, unsigned nr_vcpus,
		    msim_stats *stats, const msim_kvm_costs *cost,
		    msim_gmem *guest_mem, const msim_kvm_env *env);
void msim_kvm_free(msim_kvm *kvm);
msim_kvm_vcpu *msim_kvm_vcpu_get(msim_kvm *kvm, unsigned id);
const msim_kvm_opts *msim_kvm_get_opts(const msim_kvm *kvm);

/* Architectural register writes the guest made (old -> new). */
void msim_kvm_on_cr0(msim_kvm_vcpu *v, uint64_t old, uint64_t val);
void msim_kvm_on_cr3(msim_kvm_vcpu *v, uint64_t old, uint64_t val); /* val: operand incl. bit 63 */
void msim_kvm_on_cr4(msim_kvm_vcpu *v, uint64_t old, uint64_t val);
void msim_kvm_on_efer(msim_kvm_vcpu *v, uint64_t old, uint64_t val);
/* KVM_SET_SREGS (__set_sregs()). */
void msim_kvm_on_sregs(msim_kvm_vcpu *v, uint64_t cr0, uint64_t cr3,
		       uint64_t cr4, uint64_t efer);
/* SMI (enter_smm()) and RSM (emulator_leave_smm()): the model applies the SMM state itself. */
void msim_kvm_on_smi(msim_kvm_vcpu *v);
void msim_kvm_on_rsm(msim_kvm_vcpu *v);
void msim_kvm_on_init(msim_kvm_vcpu *v);  /* kvm_vcpu_reset() */
void msim_kvm_on_cpuid(msim_kvm_vcpu *v); /* kvm_mmu_after_set_cpuid() */
/* memslot change (op = create/delete/move/flags as in event.c). */
void msim_kvm_on_memslot(msim_kvm *kvm, unsigned op, uint64_t gfn,
			 uint64_t npages);
/* Guest-physical write (wrmem): write tracking / unsync bookkeeping. */
void msim_kvm_on_wrmem(msim_kvm *kvm, uint64_t gpa, unsigned size);

/* Nested VMX entry/exit with the vmcs12 fields of the event. */
typedef struct msim_kvm_vmentry {
	bool ept;
	uint64_t eptp;
	bool vpid_en;
	uint16_t vpid;
	uint64_t cr0, cr3, cr4, efer;
} msim_kvm_vmentry;
void msim_kvm_on_vmentry(msim_kvm_vcpu *v, const msim_kvm_vmentry *e);
void msim_kvm_on_vmexit(msim_kvm_vcpu *v, uint64_t host_cr3);
/* A late VM-entry failure: nested_vmx_restore_host_state resets (nested_vmx_restore_host_state()). */
void msim_kvm_on_vmfail(msim_kvm_vcpu *v);
/* L1 executes INVEPT (handle_invept()) / INVVPID (handle_invvpid()). */
void msim_kvm_on_invept(msim_kvm_vcpu *v, unsigned type, uint64_t eptp);
void msim_kvm_on_invvpid(msim_kvm_vcpu *v, unsigned type, uint16_t vpid,
			 uint64_t gva);
/* Guest INVLPG (kvm_mmu_invlpg()) / INVPCID (kvm_mmu_invpcid_gva()). */
void msim_kvm_on_invlpg(msim_kvm_vcpu *v, uint64_t gva);
void msim_kvm_on_invpcid(msim_kvm_vcpu *v, unsigned type, uint64_t pcid,
			 uint64_t gva);

/*
 * Service pending requests and reload the MMU before a VM entry (vcpu_enter_guest()).
 * Every hook that models an exit ends with it; the machine needs it only
 * to enter the guest the first time.
 */
void msim_kvm_before_entry(msim_kvm_vcpu *v);

/*
 * PVM (opts.cpl0_emulated, preset "6.18-pvm"): ring-0 accesses are done
 * by KVM's instruction emulator, which walks the guest tables in software
 * and uses no hardware TLB: true for such an access (the machine then
 * skips its TLB and reports the software walk).
 */
bool msim_kvm_access_emulated(const msim_kvm_vcpu *v, unsigned access);

/*
 * Call before the TLB lookup of every access: if the access runs natively
 * and requests are pending (e.g. a remote flush after a zap, an MMU_SYNC
 * left by emulated ring-0 code), KVM services them now, as it would on VM
 * entry, so the TLB model sees their flushes first. Cheap when idle.
 */
void msim_kvm_pre_access(msim_kvm_vcpu *v, unsigned access);

/* Result of KVM's part of one guest access. */
typedef struct msim_kvm_access_res {
	unsigned exits;     /* shadow #PF / EPT violation exits taken, or 1
			       when the access was emulated (KVM walked the
			       guest tables in software either way) */
	bool emulated;      /* PVM: a ring-0 access run by KVM's emulator */
	unsigned mapped;    /* SPTEs KVM installed */
	bool guest_fault;   /* the guest walk faulted (#PF reinjected) */
	uint64_t cycles;    /* KVM cycles charged for this access */
} msim_kvm_access_res;

/*
 * One guest access at `gva` (MSIM_WACC_*). gw is the machine's
 * architectural guest walk for it (guest-physical, native), or NULL to let
 * the model walk guest_mem itself. Makes the tables KVM built cover the
 * access: shadow -> shadow pages down to the leaf, TDP -> every gfn the 2D
 * walk touches. Returns 0 or a negative MSIM_E*.
 */
int msim_kvm_access(msim_kvm_vcpu *v, uint64_t gva, unsigned access,
		    const msim_walk_result *gw, msim_kvm_access_res *res);

/* Current hardware tags of the vCPU, for TLB lookups by the machine. */
typedef struct msim_kvm_tags {
	uint64_t eptp;  /* TDP: EPTP of the current root (0 under shadow) */
	uint64_t root_hpa; /* shadow: host CR3 (fake hpa of the root) */
	uint16_t vpid;  /* current VPID (kvm_vcpu_flush_tlb_current()): vpid01 or vpid02 */
	uint16_t pcid;  /* guest PCID (shadow tags by guest PCID, vmx_load_mmu_pgd()) */
	bool guest_mode;
	bool smm;
} msim_kvm_tags;
void msim_kvm_get_tags(const msim_kvm_vcpu *v, msim_kvm_tags *t);

/*
 * tlb.h glue (kvm_tlb.c): apply a KVM invalidation to a TLB model (call it
 * from env.tlb with the vCPU's current context), and the tag context the
 * vCPU's accesses use. Returns what msim_tlb_invalidate returns.
 */
struct msim_tlb;
struct msim_tlb_ctx;
int msim_kvm_tlb_apply(struct msim_tlb *t, const struct msim_tlb_ctx *ctx,
		       const msim_kvm_tlb_req *r);
void msim_kvm_tlb_ctx(const msim_kvm_vcpu *v, struct msim_tlb_ctx *ctx);

/* Host memory holding the materialised EPT/NPT tables (NULL under shadow). */
msim_gmem *msim_kvm_host_mem(msim_kvm *kvm);

/*
 * Fill *n with the second level the vCPU currently runs under (EPTP or
 * nCR3 of its current TDP root, mem = the host memory). False under
 * shadow paging or without a valid root. Leaves map gpa -> the same
 * frame number (L1) or EPT12's translation (nested EPT).
 */
bool msim_kvm_nested_cfg(const msim_kvm_vcpu *v, msim_nested *n);

/* Model counter by name ("kvm.root.created", "cycles.reset"), 0 if none. */
uint64_t msim_kvm_counter(const msim_kvm *kvm, const char *name);

#endif
