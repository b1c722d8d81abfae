/*
 * The hardware access path (internal): one vCPU's translation caches and
 * data caches, and the function that performs one memory access the way
 * the CPU does it: TLB lookup -> on a miss a walk (PSC start point,
 * NTLB / nested PSC through the walker's hooks) -> fill -> price every
 * reference through the shared cache hierarchy -> data access.
 *
 * The caller (machine.c, the KVM model) supplies what the CPU is running
 * in a msim_hw_xlat: the memory holding the tables walked, the registers
 * whose CR3 is the root (the guest's CR3, or a shadow root a KVM model
 * put there), the optional second level (EPT/NPT root in host memory) and
 * the tag context. Faults come back in the result; the caller reacts
 * (inject #PF, handle the EPT violation) and retries.
 *
 * Nothing on msim_hw_access allocates.
 * SPDX-License-Identifier: MIT
 */
#ifndef MSIM_HW_H
#define MSIM_HW_H

#include "mmu_sim/cost.h"
#include "mmu_sim/ept.h"
#include "mmu_sim/event.h"
#include "mmu_sim/stats.h"
#include "mmu_sim/tlb.h"

typedef struct msim_hw msim_hw;

/** What a vCPU is running: how its accesses are translated. */
typedef struct msim_hw_xlat {
	msim_gmem *mem;                 /**< memory holding the walked tables */
	const msim_cpu_features *cpu;
	const msim_paging_regs *regs;   /**< CR3 = root; rights regs (SDM Vol. 3A 4.6.2) */
	const msim_nested *nested;      /**< second level, or NULL (1D); its
					     hooks are replaced by this vCPU's
					     NTLB / nested PSC for the walk */
	msim_tlb_ctx tag;               /**< PCID / VPID|ASID / EP4TA, PGE */
	msim_ad_policy ad_policy;
	msim_ad_order ad_order;
	/** Caller's generation of everything above and of the registers'
	 * rights fields (CR0.WP, CR4, EFER, PKRU/PKRS) other than CPL and
	 * RFLAGS.AC: non-zero lets msim_hw_access remember L1 TLB hits and
	 * repeat them without a lookup while neither this value nor the
	 * TLB changed. 0: no memo (the caller cannot promise that). */
	uint64_t ctx_gen;
} msim_hw_xlat;

/** Build the tag context from registers: pcid from CR3[11:0] when
 * CR4.PCIDE, pge from CR4.PGE; vpid and nested/EPTP from the arguments
 * (eptp/ncr3 only used when nested is non-NULL). */
void msim_hw_tag_from(msim_tlb_ctx *tag, const msim_paging_regs *regs,
		      uint16_t vpid, const msim_nested *nested);

/** Outcome of one access. */
typedef struct msim_hw_result {
	msim_fault fault;       /**< kind NONE: translated (other fields then unset) */
	uint64_t pa;            /**< final address (hpa in 2D) */
	uint64_t gpa;           /**< guest-physical address */
	uint64_t page_size;
	unsigned tlb_level;     /**< 1 L1 TLB hit, 2 STLB hit, 0 walked */
	unsigned psc_level;     /**< PSC level that started the walk (0 none) */
	unsigned walk_refs;     /**< memory references made by the walk */
	uint64_t cycles;        /**< total = tlb + walk + data */
	uint64_t cycles_tlb, cycles_walk, cycles_data;
	const msim_walk_result *walk; /**< the walk made (owned by hw), or NULL */
} msim_hw_result;

/** Options for msim_hw_create. */
typedef struct msim_hw_opts {
	const msim_cost_params *cost; /**< copied; NULL = "skylake-sp" */
	msim_stats *stats;            /**< counters registered here (may be NULL) */
	bool data_access;             /**< price the data access itself (default) */
	msim_hw *share_llc;           /**< vCPU whose LLC this one shares (or NULL) */
} msim_hw_opts;

#define MSIM_HW_OPTS_INIT { NULL, NULL, true, NULL }

/** Create one vCPU's hardware (TLB complex + data caches). */
int msim_hw_create(msim_hw **out, const msim_hw_opts *opts);

/** Free (NULL is fine). */
void msim_hw_free(msim_hw *hw);

/** The TLB complex and cache of a vCPU (for inspection and tests). */
msim_tlb *msim_hw_tlb(msim_hw *hw);
msim_cache *msim_hw_cache(msim_hw *hw);
const msim_cost_params *msim_hw_cost(const msim_hw *hw);

/**
 * One access of `access` (MSIM_WACC_*) to linear address `la` under `x`.
 * Returns 0 (also when the access faults: see res->fault) or a negative
 * MSIM_E* from the walker (bad arguments, memory write failure).
 *
 * Policy (SDM Vol. 3A 4.10.4.3; SDM Vol. 3A 4.8): a TLB hit whose cached rights forbid the access,
 * or a write hitting an entry with D=0, re-walks instead of faulting from
 * the cached entry, so no spurious #PF is ever reported. A faulting walk
 * applies the #PF (or EPT-violation) invalidation of SDM Vol. 3A 4.10.4.1; SDM Vol. 3C 28.3.3.1.
 */
int msim_hw_access(msim_hw *hw, const msim_hw_xlat *x, uint64_t la,
		   unsigned access, msim_hw_result *res);

/**
 * Repeat remembered L1 TLB hits (x->ctx_gen non-zero, x->regs == regs):
 * for the `access` events ev[0..n) of ev[0]'s vCPU, in order, while the
 * access is one msim_hw_access would satisfy from an L1 TLB entry it
 * remembered, do exactly what msim_hw_access does for it (replacement
 * state, data pricing, prefetch, counters), adding its cycles to
 * *cycles, and leave regs->cpl / RFLAGS.AC as the last one set them.
 * Stops at the first other event or access and returns how many were
 * done; that one must go the ordinary way. Counters are added per run.
 */
size_t msim_hw_access_run(msim_hw *hw, const msim_hw_xlat *x,
			  msim_paging_regs *regs, const msim_event *ev,
			  size_t n, uint64_t *cycles);

/**
 * Apply an invalidation executed under `tag` and return its cycle price
 * (INVEPT/INVVPID/INVLPG/... parameters of the cost set; 0 for operations
 * without a price such as VM entry) in *cycles (may be NULL). Bumps
 * "tlb.inval.<kind>" and "cycles.inval".
 */
int msim_hw_invalidate(msim_hw *hw, const msim_tlb_ctx *tag,
		       const msim_inv *op, uint64_t *cycles);

#endif
